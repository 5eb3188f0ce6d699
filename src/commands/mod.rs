//! One module per command of the command line (`shared/contract.md`).

#[cfg(all(feature = "kiosk", feature = "central"))]
pub(crate) mod all_in_one;
#[cfg(feature = "central")]
pub(crate) mod central;
#[cfg(all(feature = "kiosk", feature = "central"))]
pub(crate) mod demo;
#[cfg(feature = "kiosk")]
pub(crate) mod kiosk;
pub(crate) mod meeting;
#[cfg(feature = "kiosk")]
pub(crate) mod render;
#[cfg(any(feature = "kiosk", feature = "central"))]
pub(crate) mod store;

/// systemd's notification socket when started by it (Type=notify); a
/// broken one is reported and the service runs on without it.
#[cfg(any(feature = "kiosk", feature = "central"))]
pub(crate) fn systemd() -> Option<motesskylt_daemon::service::Notifier> {
    motesskylt_daemon::service::Notifier::from_env().unwrap_or_else(|error| {
        tracing::warn!("{error}");
        None
    })
}
