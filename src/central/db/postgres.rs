//! The central store on PostgreSQL (tokio-postgres), for installations
//! that outgrow one SQLite file or need a highly available database.

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, NoTls};

use super::{CentralDb, DbError, PushAck, contiguous};
use crate::sync::wire::WireEvent;

/// The central store's PostgreSQL migrations; the first is version 1.
const MIGRATIONS: &[&str] = &[r#"
    CREATE TABLE events (
        id            uuid PRIMARY KEY,
        device        text NOT NULL,
        seq           bigint NOT NULL,
        meeting       text NOT NULL,
        wall          timestamptz NOT NULL,
        mono_ms       bigint NOT NULL,
        boot          text NOT NULL,
        clock_synced  boolean NOT NULL,
        received      timestamptz NOT NULL,
        body          jsonb NOT NULL,
        UNIQUE (device, seq)
    );
    CREATE INDEX events_meeting ON events (meeting, device, seq);
"#];

/// The central store on a PostgreSQL database. One connection, one
/// transaction at a time (a pool comes with the server's load targets).
pub struct PostgresDb {
    client: tokio::sync::Mutex<Client>,
}

impl std::fmt::Debug for PostgresDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostgresDb")
    }
}

impl PostgresDb {
    /// Connects to `url` (`postgres://user@host/db`) and runs the
    /// migrations. Must be called inside a tokio runtime, which drives the
    /// connection.
    pub async fn connect(url: &str) -> Result<PostgresDb, DbError> {
        Self::connect_in_schema(url, None).await
    }

    /// Like [`PostgresDb::connect`], in the schema `schema` (created when
    /// missing): several stores in one database, as the tests use.
    pub async fn connect_in_schema(url: &str, schema: Option<&str>) -> Result<PostgresDb, DbError> {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                eprintln!("motesskylt: förbindelsen till PostgreSQL bröts: {error}");
            }
        });
        if let Some(schema) = schema {
            let quoted = schema.replace('"', "\"\"");
            client
                .batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS \"{quoted}\"; SET search_path TO \"{quoted}\""
                ))
                .await?;
        }
        migrate(&client).await?;
        Ok(PostgresDb {
            client: tokio::sync::Mutex::new(client),
        })
    }

    async fn acked_in(
        client: &impl tokio_postgres::GenericClient,
        device: &str,
    ) -> Result<i64, DbError> {
        let rows = client
            .query(
                "SELECT seq FROM events WHERE device = $1 ORDER BY seq",
                &[&device],
            )
            .await?;
        Ok(contiguous(rows.iter().map(|r| r.get::<_, i64>(0))))
    }
}

/// Runs the migrations the database has not had, each in one transaction
/// with its version number.
async fn migrate(client: &Client) -> Result<(), DbError> {
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS motesskylt_schema (version integer NOT NULL)")
        .await?;
    let version: i32 = client
        .query_opt("SELECT max(version) FROM motesskylt_schema", &[])
        .await?
        .and_then(|row| row.get::<_, Option<i32>>(0))
        .unwrap_or(0);
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        let next = index as i32 + 1;
        client
            .batch_execute(&format!(
                "BEGIN; {migration}; INSERT INTO motesskylt_schema VALUES ({next}); COMMIT;"
            ))
            .await?;
    }
    Ok(())
}

impl CentralDb for PostgresDb {
    async fn push(
        &self,
        device: &str,
        events: &[WireEvent],
        received: DateTime<Utc>,
    ) -> Result<PushAck, DbError> {
        let mut client = self.client.lock().await;
        let tx = client.transaction().await?;
        let insert = tx
            .prepare(
                "INSERT INTO events (id, device, seq, meeting, wall, mono_ms, boot, clock_synced, received, body)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
            )
            .await?;
        let mut added = 0;
        for e in events {
            let body = serde_json::to_value(&e.event)
                .map_err(|error| DbError::BadRow(error.to_string()))?;
            added += tx
                .execute(
                    &insert,
                    &[
                        &e.id,
                        &e.device,
                        &e.seq,
                        &e.meeting,
                        &e.wall,
                        &e.mono_ms,
                        &e.boot,
                        &e.clock_synced,
                        &received,
                        &body,
                    ],
                )
                .await? as usize;
        }
        let acked_seq = Self::acked_in(&tx, device).await?;
        tx.commit().await?;
        Ok(PushAck { added, acked_seq })
    }

    async fn events(&self, meeting: &str) -> Result<Vec<WireEvent>, DbError> {
        let rows = self
            .client
            .lock()
            .await
            .query(
                "SELECT id, device, seq, meeting, wall, mono_ms, boot, clock_synced, body
                 FROM events WHERE meeting = $1 ORDER BY device, seq",
                &[&meeting],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(WireEvent {
                    id: r.get(0),
                    device: r.get(1),
                    seq: r.get(2),
                    meeting: r.get(3),
                    wall: r.get(4),
                    mono_ms: r.get(5),
                    boot: r.get(6),
                    clock_synced: r.get(7),
                    event: serde_json::from_value(r.get::<_, serde_json::Value>(8))
                        .map_err(|e| DbError::BadRow(e.to_string()))?,
                })
            })
            .collect()
    }

    async fn acked(&self, device: &str) -> Result<i64, DbError> {
        Self::acked_in(&*self.client.lock().await, device).await
    }
}
