//! Connections to PostgreSQL: a pool (deadpool-postgres) that drops a
//! broken connection and opens a new one at the next request, and TLS as
//! the URL's `sslmode` asks: `disable`; `prefer` (the default: TLS when the
//! server offers it) and `require` encrypt without checking the
//! certificate, as libpq does; `verify-full` checks the certificate
//! against the system's (`/etc/ssl/certs`) and the host name.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

use super::DbError;

/// How long a request waits for a connection, and a new connection may take.
const WAIT: Duration = Duration::from_secs(5);

/// How a connection of its own is made (the pool's settings), for
/// `LISTEN`: a pooled connection's notifications never reach its user.
#[derive(Clone)]
pub(super) struct Dialer {
    config: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
}

impl std::fmt::Debug for Dialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialer").finish_non_exhaustive()
    }
}

impl Dialer {
    /// Connects, `LISTEN`s on `channel` and sends each notification's
    /// payload to `heard`; returns when the connection ends (or `heard` is
    /// closed) with why.
    pub(super) async fn listen(
        &self,
        channel: &str,
        heard: &tokio::sync::mpsc::UnboundedSender<String>,
    ) -> DbError {
        // It only listens: a connection that died without a word (a
        // database failed over, a NAT forgot it) is found by TCP's
        // keepalives within about a minute.
        let mut config = self.config.clone();
        config
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            .keepalives_interval(Duration::from_secs(10))
            .keepalives_retries(3);
        let (client, mut connection) = match config.connect(self.tls.clone()).await {
            Ok(connected) => connected,
            Err(e) => return DbError::Postgres(e),
        };
        let heard = heard.clone();
        // The connection's messages, the notifications among them, come
        // only while something polls it: this task, until it ends.
        let messages = tokio::spawn(async move {
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(tokio_postgres::AsyncMessage::Notification(note))) => {
                        if heard.send(note.payload().to_string()).is_err() {
                            return DbError::Unreachable("nobody listens".into());
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return DbError::Postgres(e),
                    None => return DbError::Unreachable("the connection closed".into()),
                }
            }
        });
        if let Err(e) = client.batch_execute(&format!("LISTEN {channel}")).await {
            messages.abort();
            return DbError::Postgres(e);
        }
        let ended = messages
            .await
            .unwrap_or_else(|_| DbError::Unreachable("the listener stopped".into()));
        drop(client);
        ended
    }
}

/// A pool of up to `size` connections to `url`, in `schema` when given,
/// and how to make a connection of one's own. Nothing is connected yet.
pub(super) fn pool(
    url: &str,
    schema: Option<&str>,
    size: usize,
) -> Result<(Pool, Dialer), DbError> {
    // tokio-postgres knows disable, prefer and require; verify-full is
    // require with the certificate checked.
    let verify = url.contains("sslmode=verify-full") || url.contains("sslmode=verify-ca");
    let url = url
        .replace("sslmode=verify-full", "sslmode=require")
        .replace("sslmode=verify-ca", "sslmode=require");
    let mut config: tokio_postgres::Config = url.parse()?;
    config.connect_timeout(WAIT);
    if let Some(schema) = schema {
        let escaped = schema.replace('\\', "\\\\").replace(' ', "\\ ");
        config.options(format!("-c search_path={escaped}"));
    }
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(verify)?);
    let dialer = Dialer {
        config: config.clone(),
        tls: tls.clone(),
    };
    let manager = Manager::from_config(
        config,
        tls,
        ManagerConfig {
            // A round trip before a pooled connection is handed out: one
            // whose backend was killed behind the pool's back is replaced
            // rather than failing a request.
            recycling_method: RecyclingMethod::Verified,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(WAIT))
        .create_timeout(Some(WAIT))
        .recycle_timeout(Some(WAIT))
        .build()
        .map_err(|e| DbError::Unreachable(e.to_string()))?;
    Ok((pool, dialer))
}

/// A connection from `pool`.
pub(super) async fn get(pool: &Pool) -> Result<Object, DbError> {
    pool.get().await.map_err(|e| match e {
        PoolError::Backend(e) => DbError::Postgres(e),
        other => DbError::Unreachable(other.to_string()),
    })
}

fn tls_config(verify: bool) -> Result<ClientConfig, DbError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| DbError::Unreachable(format!("TLS: {e}")))?;
    if verify {
        let mut roots = rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        for error in &found.errors {
            tracing::warn!(%error, "a system certificate could not be read");
        }
        let (added, _) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            return Err(DbError::Unreachable(
                "sslmode=verify-full: inga systemcertifikat hittades (/etc/ssl/certs; installera ca-certificates)".into(),
            ));
        }
        Ok(builder.with_root_certificates(roots).with_no_client_auth())
    } else {
        Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
            .with_no_client_auth())
    }
}

/// sslmode `prefer` and `require`: encrypted, the certificate unchecked
/// (as libpq does; the handshake's signatures are still checked).
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
