//! A kiosk's outbox pushed into the central store (in process, as the
//! all-in-one install will): everything arrives once, the outbox empties,
//! and a push whose acknowledgement was lost is repeated without doubles.

use chrono::{DateTime, Duration, Utc};
use motesskylt_central::db::{CentralDb, SqliteDb};
use motesskylt_core::model::time::DEFAULT_TIME_ZONE;
use motesskylt_core::model::{Event, EventKind, Source};
use motesskylt_core::wire::{PushAck, WireEvent};
use motesskylt_store::{FILE_NAME, Stamp, Store};
use motesskylt_sync::client::{SyncError, Uplink, push_outbox};

/// The central store in this process as the outbox's uplink.
struct InProcess<'a>(&'a SqliteDb);

impl Uplink for InProcess<'_> {
    async fn push(
        &self,
        device: &str,
        events: &[WireEvent],
        _pending: usize,
        now: DateTime<Utc>,
    ) -> Result<PushAck, SyncError> {
        CentralDb::push(self.0, device, events, now)
            .await
            .map_err(|e| SyncError::Uplink(e.to_string()))
    }
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-04T12:50:00+02:00")
        .unwrap()
        .with_timezone(&Utc)
}

fn tap(s: i64) -> Event {
    Event::new(
        t0() + Duration::seconds(s),
        DEFAULT_TIME_ZONE,
        EventKind::CheckedIn {
            person: format!("Person {s}"),
            source: Source::Nfc,
            substitute_for: None,
            correction: None,
            remote: false,
        },
    )
}

#[tokio::test]
async fn the_outbox_arrives_once_and_empties() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Store::open(&dir.path().join(FILE_NAME), "dorr-a").unwrap();
    let central = SqliteDb::open(&dir.path().join("central.sqlite")).unwrap();
    let stamp = Stamp::read(t0());
    // Offline for a stretch of taps.
    for s in 0..25 {
        kiosk.append("SRO-2026-06-04", &[tap(s)], &stamp).unwrap();
    }
    let report = push_outbox(&mut kiosk, &InProcess(&central), 10, t0())
        .await
        .unwrap();
    assert_eq!((report.sent, report.added), (25, 25));
    assert!(kiosk.outbox(100).unwrap().is_empty());
    let stored = central.events("SRO-2026-06-04").await.unwrap();
    assert_eq!(stored.len(), 25);
    assert_eq!(stored[24].event, tap(24));
    assert_eq!(stored[24].boot, stamp.boot);

    // Five more; the central store gets them but the kiosk never hears the
    // answer (the network dropped it). The next round sends them again.
    for s in 25..30 {
        kiosk.append("SRO-2026-06-04", &[tap(s)], &stamp).unwrap();
    }
    let lost: Vec<_> = kiosk
        .outbox_wire(100)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    central.push("dorr-a", &lost, t0()).await.unwrap();
    let report = push_outbox(&mut kiosk, &InProcess(&central), 10, t0())
        .await
        .unwrap();
    assert_eq!((report.sent, report.added), (5, 0));
    assert!(kiosk.outbox(100).unwrap().is_empty());
    assert_eq!(central.events("SRO-2026-06-04").await.unwrap().len(), 30);
    assert_eq!(central.acked("dorr-a").await.unwrap(), 30);
    // Nothing left: a round sends nothing.
    let idle = push_outbox(&mut kiosk, &InProcess(&central), 10, t0())
        .await
        .unwrap();
    assert_eq!((idle.sent, idle.added), (0, 0));
}
