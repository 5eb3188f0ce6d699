//! The central store on PostgreSQL (tokio-postgres), for installations
//! that outgrow one SQLite file or need a highly available database.

use chrono::{DateTime, Utc};
use std::collections::HashSet;

use tokio_postgres::{Client, GenericClient, Row, Statement};
use uuid::Uuid;

use super::{
    Allowance, AuditEntry, CentralDb, Cursor, DbError, DeviceRecord, MeetingEntry, MeetingNames,
    PULL_LIMIT, Pulled, PushAck, RoomMeeting, RoomRecord, RoomToken, SessionRecord, Told,
    UserRecord, contiguous_from, door_audit, new_version, newest_first, same_device, skipped_row,
};
use motesskylt_core::clock::BootClock;
use motesskylt_core::model::Meeting;
use motesskylt_core::wire::WireEvent;
use motesskylt_store::WIRE_COLUMNS;

/// The central store's PostgreSQL migrations, the SQL files of
/// `crates/central/migrations/postgres/`; the first is version 1.
///
/// Several servers share one database and are upgraded one at a time, so
/// a migration *expands*: it adds tables, columns with a default (or
/// nullable) and indexes, and a server of the release before keeps
/// working on the new schema, and starts on it. A migration that removes
/// or changes what an older release reads *contracts*: it starts with the
/// line `-- contract`, comes a release after the one that stopped reading
/// what it removes, and older servers refuse to start on it, naming the
/// release they would need (see [`migrate`]). Public for the upgrade
/// tests, which play releases with fewer or more migrations.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001-events-acks-codes.sql"),
    include_str!("../../migrations/postgres/0002-users-audit-rooms.sql"),
    include_str!("../../migrations/postgres/0003-meeting-rooms.sql"),
    include_str!("../../migrations/postgres/0004-meeting-ids-schedules.sql"),
    include_str!("../../migrations/postgres/0005-room-tokens.sql"),
    include_str!("../../migrations/postgres/0006-sessions-failures.sql"),
];

/// The central store on a PostgreSQL database, over a pool of connections
/// ([`super::pg_connect`]): a connection that broke (the database
/// restarted, the backend was terminated) is dropped and the next request
/// opens a new one. Writers take an advisory lock ([`write_lock`]) so
/// positions commit in order even with several servers on one database.
pub struct PostgresDb {
    pool: deadpool_postgres::Pool,
    dialer: super::pg_connect::Dialer,
    /// The schema the store is in (`public` unless given): one
    /// database's notifications reach every schema's listeners.
    schema: String,
    /// This process's own notifications are told apart by it.
    instance: String,
}

/// The channel of [`PostgresDb::announce`]: one for the database, each
/// payload `schema`, the announcing server's instance and the room, a
/// line each.
const CHANGES: &str = "motesskylt_changes";

/// The statements of every push, prepared once on each connection (a
/// statement given as text costs a round trip to prepare each time) and
/// kept in the connection's statement cache.
struct Hot {
    lock: Statement,
    insert: Statement,
    matched: Statement,
    ack_state: Statement,
    ack_upsert: Statement,
    device: Statement,
    meeting_room: Statement,
    seen: Statement,
    clock: Statement,
}

impl Hot {
    /// The statements on `client` (prepared on its first use).
    async fn of(client: &deadpool_postgres::ClientWrapper) -> Result<Hot, DbError> {
        Ok(Hot {
            // The key is arbitrary, the same for every motesskylt writer.
            lock: client.prepare_cached("SELECT pg_advisory_xact_lock(7301926004)").await?,
            insert: client
                .prepare_cached(
                    "INSERT INTO events (id, device, seq, meeting, wall, mono_ms, boot, clock_synced, received, body)
                     SELECT id, device, seq, meeting, wall, mono_ms, boot, clock_synced, $10, body
                     FROM UNNEST($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[],
                                 $6::bigint[], $7::text[], $8::boolean[], $9::jsonb[])
                          AS b(id, device, seq, meeting, wall, mono_ms, boot, clock_synced, body)
                     ON CONFLICT DO NOTHING RETURNING id",
                )
                .await?,
            matched: client
                .prepare_cached(
                    "SELECT e.id FROM events e
                     JOIN UNNEST($1::uuid[], $2::text[], $3::bigint[]) AS b(id, device, seq)
                       ON e.id = b.id AND e.device = b.device AND e.seq = b.seq",
                )
                .await?,
            ack_state: client
                .prepare_cached(
                    "WITH a AS (SELECT COALESCE((SELECT seq FROM acks WHERE device = $1), 0) AS seq)
                     SELECT a.seq, e.seq FROM a LEFT JOIN events e ON e.device = $1 AND e.seq > a.seq
                     ORDER BY e.seq",
                )
                .await?,
            ack_upsert: client
                .prepare_cached(
                    "INSERT INTO acks (device, seq) VALUES ($1, $2)
                     ON CONFLICT (device) DO UPDATE SET seq = excluded.seq",
                )
                .await?,
            device: client
                .prepare_cached(&format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices WHERE token_hash = $1"
                ))
                .await?,
            meeting_room: client
                .prepare_cached("SELECT room FROM meeting_rooms WHERE key = $1")
                .await?,
            seen: client
                .prepare_cached(
                    "UPDATE devices SET last_seen = $2,
                         offset_ms = COALESCE($3, offset_ms), within_ms = COALESCE($4, within_ms),
                         pending = COALESCE($5, pending), showing = COALESCE($6, showing)
                     WHERE name = $1",
                )
                .await?,
            clock: client
                .prepare_cached(
                    "INSERT INTO boot_clocks (device, boot, offset_ms, zero_ms, within_ms)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (device, boot) DO UPDATE
                         SET offset_ms = excluded.offset_ms, zero_ms = excluded.zero_ms,
                             within_ms = excluded.within_ms
                         WHERE excluded.within_ms < boot_clocks.within_ms",
                )
                .await?,
        })
    }
}

impl std::fmt::Debug for PostgresDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostgresDb")
    }
}

impl PostgresDb {
    /// Stores a version of a meeting for `room`: from the pages, or from a
    /// device, which never replaces a version from the pages.
    async fn store_meeting(
        &self,
        room: &str,
        key: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
        from_pages: bool,
    ) -> Result<bool, DbError> {
        let body = serde_json::to_value(meeting).map_err(|e| DbError::BadRow(e.to_string()))?;
        let mut client = self.conn().await?;
        let hot = Hot::of(&client).await?;
        let tx = client.transaction().await?;
        write_lock(&tx, &hot).await?;
        tx.execute(
            "INSERT INTO meeting_rooms (key, room) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&key, &room],
        )
        .await?;
        let owner: String = tx
            .query_one("SELECT room FROM meeting_rooms WHERE key = $1", &[&key])
            .await?
            .get(0);
        let from_the_pages = || async {
            tx.query_one(
                "SELECT EXISTS (SELECT 1 FROM meetings WHERE key = $1 AND from_pages)",
                &[&key],
            )
            .await
            .map(|r| r.get::<_, bool>(0))
        };
        if owner != room && from_pages && !from_the_pages().await? {
            // The secretary's import wins over another room's kiosks.
            tx.execute(
                "UPDATE meeting_rooms SET room = $2,
                     hidden_before = (SELECT COALESCE(MAX(pos), 0) FROM events)
                 WHERE key = $1",
                &[&key, &room],
            )
            .await?;
            tracing::warn!(
                meeting = %key, from = %owner, to = %room,
                "the secretary's import took the meeting from another room's kiosks"
            );
        } else if owner != room {
            return Err(DbError::OtherRoom {
                meeting: key.to_string(),
                room: owner,
            });
        }
        let latest: Option<(serde_json::Value, bool, bool)> = tx
            .query_opt(
                "SELECT body, from_pages, cancelled FROM meetings WHERE key = $1 ORDER BY pos DESC LIMIT 1",
                &[&key],
            )
            .await?
            .map(|r| (r.get(0), r.get(1), r.get(2)));
        let changed = new_version(latest.as_ref(), &body, from_pages);
        if changed {
            tx.execute(
                "INSERT INTO meetings (key, received, body, from_pages) VALUES ($1, $2, $3, $4)",
                &[&key, &now, &body, &from_pages],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// The newest version of every meeting (or of `key`).
    /// The newest version of every meeting, or of the meeting `key`, or of
    /// the meetings of `room`.
    async fn meeting_entries(
        &self,
        key: Option<&str>,
        room: Option<&str>,
    ) -> Result<Vec<MeetingEntry>, DbError> {
        self.conn()
            .await?
            .query(
                "SELECT m.key, r.room, m.received, m.body, m.from_pages, m.cancelled FROM meetings m
                 JOIN meeting_rooms r ON r.key = m.key
                 WHERE m.pos = (SELECT MAX(pos) FROM meetings WHERE key = m.key)
                   AND ($1::text IS NULL OR m.key = $1) AND ($2::text IS NULL OR r.room = $2)",
                &[&key, &room],
            )
            .await?
            .iter()
            .filter_map(|r| {
                let key: String = r.get(0);
                let entry = (|| {
                    Ok::<_, DbError>(MeetingEntry {
                        room: r.get(1),
                        updated: r.try_get(2)?,
                        meeting: serde_json::from_value(r.try_get(3)?)
                            .map_err(|e| DbError::BadRow(e.to_string()))?,
                        from_pages: r.get(4),
                        cancelled: r.get(5),
                        key: key.clone(),
                    })
                })();
                entry
                    .inspect_err(|problem| skipped_row("meetings", &key, problem))
                    .ok()
            })
            .map(Ok)
            .collect()
    }

    /// Connects to `url` (`postgres://user@host/db`) and runs the
    /// migrations. Must be called inside a tokio runtime, which drives the
    /// connection.
    pub async fn connect(url: &str) -> Result<PostgresDb, DbError> {
        Self::connect_in_schema(url, None).await
    }

    /// Like [`PostgresDb::connect`], in the schema `schema` (created when
    /// missing): several stores in one database, as the tests use.
    pub async fn connect_in_schema(url: &str, schema: Option<&str>) -> Result<PostgresDb, DbError> {
        Self::connect_pool(url, schema, 8).await
    }

    /// Like [`PostgresDb::connect_in_schema`], keeping up to `size`
    /// connections open.
    pub async fn connect_pool(
        url: &str,
        schema: Option<&str>,
        size: usize,
    ) -> Result<PostgresDb, DbError> {
        Self::connect_release(url, schema, size, MIGRATIONS).await
    }

    /// Like [`PostgresDb::connect_pool`] for a release whose migrations are
    /// `migrations` ([`MIGRATIONS`] with fewer or more at the end): how an
    /// upgrade test plays an older or a newer server on one database.
    pub async fn connect_release(
        url: &str,
        schema: Option<&str>,
        size: usize,
        migrations: &[&str],
    ) -> Result<PostgresDb, DbError> {
        let (pool, dialer) = super::pg_connect::pool(url, schema, size)?;
        let db = PostgresDb {
            pool,
            dialer,
            schema: schema.unwrap_or("public").to_string(),
            instance: Uuid::now_v7().to_string(),
        };
        let client = db.conn().await?;
        if let Some(schema) = schema {
            let quoted = schema.replace('"', "\"\"");
            client
                .batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS \"{quoted}\"; SET search_path TO \"{quoted}\""
                ))
                .await?;
        }
        migrate(&client, migrations).await?;
        Hot::of(&client).await?;
        drop(client);
        Ok(db)
    }

    /// Tells every server on the database that `room` changed (a
    /// `NOTIFY`; see [`Self::listen`]).
    pub async fn announce(&self, room: &str) -> Result<(), DbError> {
        let payload = format!("{}\n{}\n{room}", self.schema, self.instance);
        self.conn()
            .await?
            .execute("SELECT pg_notify($1, $2)", &[&CHANGES, &payload])
            .await?;
        Ok(())
    }

    /// Sends `changed` the room of every change another server on the
    /// database announces in this store's schema, within a moment, until
    /// `stopping`; a lost connection is made again after a second (a
    /// change announced meanwhile is missed until the next one, or the
    /// kiosk's own periodic sync).
    pub async fn listen(
        &self,
        changed: tokio::sync::broadcast::Sender<String>,
        mut stopping: tokio::sync::watch::Receiver<bool>,
    ) {
        let (heard, mut notes) = tokio::sync::mpsc::unbounded_channel::<String>();
        let forward = async {
            while let Some(note) = notes.recv().await {
                let mut lines = note.splitn(3, '\n');
                let (Some(schema), Some(instance), Some(room)) =
                    (lines.next(), lines.next(), lines.next())
                else {
                    continue;
                };
                if schema == self.schema && instance != self.instance {
                    // Nobody listening is fine.
                    let _ = changed.send(room.to_string());
                }
            }
        };
        let connect = async {
            loop {
                let why = self.dialer.listen(CHANGES, &heard).await;
                tracing::warn!(%why, "not listening to the other servers' changes; again in a second");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        };
        tokio::select! {
            () = forward => {}
            () = connect => {}
            _ = stopping.wait_for(|stop| *stop) => {}
        }
    }

    /// A connection from the pool (a new one when none is idle and the
    /// pool is not full; a broken one is never handed out).
    async fn conn(&self) -> Result<deadpool_postgres::Object, DbError> {
        super::pg_connect::get(&self.pool).await
    }
}

/// Serialises the transactions that hand out positions (`pos`), also
/// between several central servers on one database: positions then commit
/// in order, so a pull's cursor never passes an event committed later with
/// a smaller position.
async fn write_lock(tx: &tokio_postgres::Transaction<'_>, hot: &Hot) -> Result<(), DbError> {
    tx.query(&hot.lock, &[]).await?;
    Ok(())
}

/// Appends `entry` to the audit log (inside the caller's transaction, if any).
async fn insert_audit(client: &impl GenericClient, entry: &AuditEntry) -> Result<(), DbError> {
    client
        .execute(
            "INSERT INTO audit (at, who, action, meeting, detail) VALUES ($1, $2, $3, $4, $5)",
            &[
                &entry.at,
                &entry.who,
                &entry.action,
                &entry.meeting,
                &entry.detail,
            ],
        )
        .await?;
    Ok(())
}

async fn acked(client: &impl GenericClient, device: &str) -> Result<i64, DbError> {
    Ok(client
        .query_opt("SELECT seq FROM acks WHERE device = $1", &[&device])
        .await?
        .map_or(0, |r| r.get(0)))
}

/// Runs the migrations the database has not had, all in one transaction
/// with their version numbers, or none.
async fn migrate(client: &Client, migrations: &[&str]) -> Result<(), DbError> {
    // READ COMMITTED whatever the database's default: each statement sees
    // what the server before it (holding the lock) committed. A lock the
    // migration waits for longer than 10 s (a long query on a table it
    // changes) fails the start rather than stall every server's queries.
    client
        .batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = '10s'")
        .await?;
    match migrate_locked(client, migrations).await {
        Ok(()) => Ok(client.batch_execute("COMMIT").await?),
        Err(error) => {
            // The migration's error is the one to tell; the connection
            // goes with the failed start either way.
            let _ = client.batch_execute("ROLLBACK").await;
            Err(error)
        }
    }
}

/// [`migrate`] inside its transaction. Servers starting at once take
/// turns (a transaction-level advisory lock per schema), so the second
/// finds the first's migrations done. The schema's version is its
/// newest row in `motesskylt_schema`; `oldest_reader` there is the
/// fewest migrations a release may know and still run on it: unchanged
/// by a migration that expands, its own version after one that
/// contracts; `release` is the version of the program that ran it.
async fn migrate_locked(client: &Client, migrations: &[&str]) -> Result<(), DbError> {
    client
        .batch_execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('motesskylt_migrate:' || current_schema(), 0)); \
             CREATE TABLE IF NOT EXISTS motesskylt_schema (version integer NOT NULL)",
        )
        .await?;
    // Added once, by the first release that knows them: an ALTER on every
    // start would need to own the table (not so after a pg_restore).
    let columns: Vec<String> = client
        .query(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = 'motesskylt_schema'",
            &[],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    for (column, kind) in [("oldest_reader", "integer"), ("release", "text")] {
        if !columns.iter().any(|c| c == column) {
            client
                .batch_execute(&format!(
                    "ALTER TABLE motesskylt_schema ADD COLUMN {column} {kind}"
                ))
                .await?;
        }
    }
    let (version, mut oldest_reader, release) = client
        .query_opt(
            "SELECT version, COALESCE(oldest_reader, 1), COALESCE(release, 'före 0.1') \
             FROM motesskylt_schema ORDER BY version DESC LIMIT 1",
            &[],
        )
        .await?
        .map(|row| {
            (
                row.get::<_, i32>(0),
                row.get::<_, i32>(1),
                row.get::<_, String>(2),
            )
        })
        .unwrap_or((0, 1, String::new()));
    let known = migrations.len() as i32;
    if version > known {
        if oldest_reader > known {
            return Err(DbError::Schema(format!(
                "databasens schema (version {version}) kommer från motesskylt {release} och går inte \
                 att använda med den här versionen ({}, schema {known}): installera motesskylt \
                 {release} här, som på de andra servrarna",
                env!("CARGO_PKG_VERSION")
            )));
        }
        tracing::warn!(
            version,
            known,
            %release,
            "the database's schema is newer (expanded by an upgraded server); running on it"
        );
        return Ok(());
    }
    let this_release = env!("CARGO_PKG_VERSION");
    for (index, migration) in migrations.iter().enumerate().skip(version.max(0) as usize) {
        let next = index as i32 + 1;
        if contracts(migration) {
            oldest_reader = next;
        }
        client.batch_execute(migration).await?;
        client
            .execute(
                "INSERT INTO motesskylt_schema (version, oldest_reader, release) VALUES ($1, $2, $3)",
                &[&next, &oldest_reader, &this_release],
            )
            .await?;
    }
    Ok(())
}

/// Whether a migration contracts: its first line is `-- contract` or
/// starts `-- contract:` (a reason may follow).
fn contracts(migration: &str) -> bool {
    let first = migration
        .trim_start()
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end();
    first == "-- contract" || first.starts_with("-- contract:")
}

/// An event's [`WIRE_COLUMNS`] from column `first`, or what is wrong with
/// the row (never a panic: a stored row that does not read back is
/// skipped by the callers).
fn wire(r: &Row, first: usize) -> Result<WireEvent, DbError> {
    Ok(WireEvent {
        id: r.try_get(first)?,
        device: r.try_get(first + 1)?,
        seq: r.try_get(first + 2)?,
        meeting: r.try_get(first + 3)?,
        wall: r.try_get(first + 4)?,
        mono_ms: r.try_get(first + 5)?,
        boot: r.try_get(first + 6)?,
        clock_synced: r.try_get(first + 7)?,
        event: serde_json::from_value(r.try_get::<_, serde_json::Value>(first + 8)?)
            .map_err(|e| DbError::BadRow(e.to_string()))?,
    })
}

/// The events of `rows` (from column `first`) that read back; each one
/// that does not is left out and logged ([`skipped_row`]).
fn readable(rows: &[Row], first: usize) -> Vec<WireEvent> {
    rows.iter()
        .filter_map(|r| {
            wire(r, first)
                .inspect_err(|problem| {
                    let id = r
                        .try_get::<_, Uuid>(first)
                        .map(|id| id.to_string())
                        .unwrap_or_default();
                    skipped_row("events", &id, problem);
                })
                .ok()
        })
        .collect()
}

const DEVICE_COLUMNS: &str = "name, room, enrolled, revoked, last_seen, offset_ms, within_ms, COALESCE((SELECT seq FROM acks WHERE acks.device = devices.name), 0), pending, showing";

fn device_record(r: &Row) -> DeviceRecord {
    DeviceRecord {
        name: r.get(0),
        room: r.get(1),
        enrolled: r.get(2),
        revoked: r.get(3),
        last_seen: r.get(4),
        offset_ms: match (r.get::<_, Option<i64>>(5), r.get::<_, Option<i64>>(6)) {
            (Some(o), Some(w)) => Some((o, w)),
            _ => None,
        },
        acked_seq: r.get(7),
        pending: r.get(8),
        showing: r.get(9),
    }
}

impl CentralDb for PostgresDb {
    async fn push(
        &self,
        device: &str,
        events: &[WireEvent],
        received: DateTime<Utc>,
    ) -> Result<PushAck, DbError> {
        let mut client = self.conn().await?;
        let hot = Hot::of(&client).await?;
        let tx = client.transaction().await?;
        write_lock(&tx, &hot).await?;
        // The whole batch in one statement.
        let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
        let devices: Vec<&str> = events.iter().map(|e| e.device.as_str()).collect();
        let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
        let meetings: Vec<&str> = events.iter().map(|e| e.meeting.as_str()).collect();
        let walls: Vec<DateTime<Utc>> = events.iter().map(|e| e.wall).collect();
        let monos: Vec<i64> = events.iter().map(|e| e.mono_ms).collect();
        let boots: Vec<&str> = events.iter().map(|e| e.boot.as_str()).collect();
        let synced: Vec<bool> = events.iter().map(|e| e.clock_synced).collect();
        let bodies = events
            .iter()
            .map(|e| serde_json::to_value(&e.event))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| DbError::BadRow(error.to_string()))?;
        let inserted: HashSet<Uuid> = tx
            .query(
                &hot.insert,
                &[
                    &ids, &devices, &seqs, &meetings, &walls, &monos, &boots, &synced, &bodies,
                    &received,
                ],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let added = inserted.len();
        if added < events.len() {
            // Not inserted: known already, or a clash.
            let known: HashSet<Uuid> = tx
                .query(&hot.matched, &[&ids, &devices, &seqs])
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            if let Some(e) = events
                .iter()
                .find(|e| !inserted.contains(&e.id) && !known.contains(&e.id))
            {
                return Err(DbError::SeqConflict {
                    device: e.device.clone(),
                    seq: e.seq,
                });
            }
        }
        // Each new event audited once, even if the batch holds it twice.
        let mut audited = HashSet::new();
        for e in events.iter().filter(|e| inserted.contains(&e.id)) {
            if let Some(entry) = door_audit(e, received).filter(|_| audited.insert(e.id)) {
                insert_audit(&*tx, &entry).await?;
            }
        }
        let rows = tx.query(&hot.ack_state, &[&device]).await?;
        let from: i64 = rows.first().map_or(0, |r| r.get(0));
        let acked_seq =
            contiguous_from(from, rows.iter().filter_map(|r| r.get::<_, Option<i64>>(1)));
        if acked_seq != from {
            tx.execute(&hot.ack_upsert, &[&device, &acked_seq]).await?;
        }
        tx.commit().await?;
        Ok(PushAck { added, acked_seq })
    }

    async fn events(&self, meeting: &str) -> Result<Vec<WireEvent>, DbError> {
        let rows = self.conn().await?
            .query(
                &format!(
                    "SELECT {WIRE_COLUMNS} FROM events e LEFT JOIN meeting_rooms r ON r.key = e.meeting
                     WHERE e.meeting = $1 AND e.pos > COALESCE(r.hidden_before, 0)
                     ORDER BY e.device, e.seq"
                ),
                &[&meeting],
            )
            .await?;
        Ok(readable(&rows, 0))
    }

    async fn events_of_types(
        &self,
        types: &[&str],
        meeting: Option<&str>,
    ) -> Result<Vec<WireEvent>, DbError> {
        let rows = self.conn().await?
            .query(
                &format!(
                    "SELECT {WIRE_COLUMNS} FROM events e LEFT JOIN meeting_rooms r ON r.key = e.meeting
                     WHERE e.body->>'type' = ANY($1::text[])
                       AND ($2::text IS NULL OR e.meeting = $2)
                       AND e.pos > COALESCE(r.hidden_before, 0)
                     ORDER BY e.pos"
                ),
                &[&types, &meeting],
            )
            .await?;
        Ok(readable(&rows, 0))
    }

    async fn meeting_names(&self, key: &str) -> Result<MeetingNames, DbError> {
        let rows = self.conn().await?
            .query(
                "SELECT 0, p->>'name' FROM meetings m, jsonb_array_elements(m.body->'participants') p
                     WHERE m.key = $1
                 UNION SELECT 0, p->>'substitute_for' FROM meetings m, jsonb_array_elements(m.body->'participants') p
                     WHERE m.key = $1
                 UNION SELECT 1, i->>'number' FROM meetings m, jsonb_array_elements(m.body->'items') i
                     WHERE m.key = $1",
                &[&key],
            )
            .await?;
        let mut names = MeetingNames::default();
        for row in rows {
            match (
                row.try_get::<_, i32>(0)?,
                row.try_get::<_, Option<String>>(1)?,
            ) {
                (0, Some(name)) => names.people.insert(name),
                (_, Some(number)) => names.items.insert(number),
                (_, None) => false,
            };
        }
        Ok(names)
    }

    async fn acked(&self, device: &str) -> Result<i64, DbError> {
        acked(&**self.conn().await?, device).await
    }

    async fn add_code(
        &self,
        code_hash: &str,
        room: &str,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO codes (hash, room, created, expires) VALUES ($1, $2, $3, $4)",
                &[&code_hash, &room, &now, &expires],
            )
            .await?;
        Ok(())
    }

    async fn enrol(
        &self,
        code_hash: &str,
        device: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<String, DbError> {
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        let code = tx
            .query_opt(
                "SELECT room, expires, used_at FROM codes WHERE hash = $1 FOR UPDATE",
                &[&code_hash],
            )
            .await?
            .ok_or(DbError::CodeUnknown)?;
        let room: String = code.get(0);
        if code.get::<_, Option<DateTime<Utc>>>(2).is_some() {
            return Err(DbError::CodeUsed);
        }
        if code.get::<_, DateTime<Utc>>(1) < now {
            return Err(DbError::CodeExpired);
        }
        let existing = tx
            .query_opt(
                "SELECT room, revoked IS NOT NULL OR last_seen IS NULL FROM devices WHERE name = $1",
                &[&device],
            )
            .await?;
        match existing {
            None => {
                tx.execute(
                    "INSERT INTO devices (name, room, token_hash, enrolled) VALUES ($1, $2, $3, $4)",
                    &[&device, &room, &token_hash, &now],
                )
                .await?;
            }
            Some(row) if row.get::<_, bool>(1) && row.get::<_, String>(0) == room => {
                tx.execute(
                    "UPDATE devices SET token_hash = $2, enrolled = $3, revoked = NULL WHERE name = $1",
                    &[&device, &token_hash, &now],
                )
                .await?;
            }
            Some(_) => return Err(DbError::NameTaken(device.to_string())),
        }
        tx.execute(
            "UPDATE codes SET used_by = $1, used_at = $2 WHERE hash = $3",
            &[&device, &now, &code_hash],
        )
        .await?;
        tx.commit().await?;
        Ok(room)
    }

    async fn device(&self, token_hash: &str) -> Result<Option<DeviceRecord>, DbError> {
        let client = self.conn().await?;
        let hot = Hot::of(&client).await?;
        Ok(client
            .query_opt(&hot.device, &[&token_hash])
            .await?
            .map(|r| device_record(&r)))
    }

    async fn devices(&self) -> Result<Vec<DeviceRecord>, DbError> {
        Ok(self
            .conn()
            .await?
            .query(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY name"),
                &[],
            )
            .await?
            .iter()
            .map(device_record)
            .collect())
    }

    async fn revoke(&self, device: &str, now: DateTime<Utc>) -> Result<bool, DbError> {
        Ok(self
            .conn()
            .await?
            .execute(
                "UPDATE devices SET revoked = COALESCE(revoked, $2) WHERE name = $1",
                &[&device, &now],
            )
            .await?
            > 0)
    }

    async fn seen(
        &self,
        device: &str,
        now: DateTime<Utc>,
        clock: Option<&BootClock>,
        told: Told<'_>,
    ) -> Result<(), DbError> {
        let client = self.conn().await?;
        let hot = Hot::of(&client).await?;
        let latest = (clock.map(|c| c.offset_ms), clock.map(|c| c.within_ms));
        let seen_args: [&(dyn tokio_postgres::types::ToSql + Sync); 6] = [
            &device,
            &now,
            &latest.0,
            &latest.1,
            &told.pending,
            &told.showing,
        ];
        let seen = client.execute(&hot.seen, &seen_args);
        match clock {
            // Two statements, sent together (pipelined); each is atomic and
            // they touch different rows.
            Some(c) => {
                let kept_args: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
                    [&device, &c.boot, &c.offset_ms, &c.zero_ms, &c.within_ms];
                let kept = client.execute(&hot.clock, &kept_args);
                futures_util::try_join!(seen, kept)?;
            }
            None => {
                seen.await?;
            }
        }
        Ok(())
    }

    async fn clocks(&self, device: &str) -> Result<Vec<BootClock>, DbError> {
        Ok(self
            .conn()
            .await?
            .query(
                "SELECT boot, offset_ms, zero_ms, within_ms FROM boot_clocks WHERE device = $1",
                &[&device],
            )
            .await?
            .iter()
            .map(|r| BootClock {
                boot: r.get(0),
                offset_ms: r.get(1),
                zero_ms: r.get(2),
                within_ms: r.get(3),
            })
            .collect())
    }

    async fn put_meeting(
        &self,
        room: &str,
        key: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        self.store_meeting(room, key, meeting, now, false).await
    }

    async fn import_meeting(
        &self,
        room: &str,
        key: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        self.store_meeting(room, key, meeting, now, true).await
    }

    async fn add_meeting(
        &self,
        room: &str,
        id: &str,
        meeting: &Meeting,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        let body = serde_json::to_value(meeting).map_err(|e| DbError::BadRow(e.to_string()))?;
        let mut client = self.conn().await?;
        let hot = Hot::of(&client).await?;
        let tx = client.transaction().await?;
        write_lock(&tx, &hot).await?;
        let added = tx
            .execute(
                "INSERT INTO meeting_rooms (key, room) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&id, &room],
            )
            .await?;
        if added == 0 {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO meetings (key, received, body, from_pages) VALUES ($1, $2, $3, true)",
            &[&id, &now, &body],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn cancel_meeting(&self, id: &str, now: DateTime<Utc>) -> Result<bool, DbError> {
        let mut client = self.conn().await?;
        let hot = Hot::of(&client).await?;
        let tx = client.transaction().await?;
        write_lock(&tx, &hot).await?;
        let newest = tx
            .query_opt(
                "SELECT body, cancelled FROM meetings WHERE key = $1 ORDER BY pos DESC LIMIT 1",
                &[&id],
            )
            .await?;
        let Some(newest) = newest else {
            return Ok(false);
        };
        if !newest.get::<_, bool>(1) {
            let body: serde_json::Value = newest.get(0);
            tx.execute(
                "INSERT INTO meetings (key, received, body, from_pages, cancelled)
                 VALUES ($1, $2, $3, true, true)",
                &[&id, &now, &body],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn meeting_room(&self, key: &str) -> Result<Option<String>, DbError> {
        let client = self.conn().await?;
        let hot = Hot::of(&client).await?;
        Ok(client
            .query_opt(&hot.meeting_room, &[&key])
            .await?
            .map(|r| r.get(0)))
    }

    async fn pull(&self, room: &str, device: &str, since: Cursor) -> Result<Pulled, DbError> {
        let mut client = self.conn().await?;
        let tx = client.transaction().await?;
        let mut pulled = Pulled {
            cursor: since,
            ..Pulled::default()
        };
        let meetings = tx
            .query(
                "SELECT m.pos, m.key, m.body, m.from_pages, m.cancelled FROM meetings m JOIN meeting_rooms r ON r.key = m.key
                 WHERE r.room = $1 AND m.pos > $2
                   AND m.pos = (SELECT MAX(pos) FROM meetings WHERE key = m.key)
                 ORDER BY m.pos",
                &[&room, &since.meetings],
            )
            .await?;
        for row in meetings {
            let pos: i64 = row.get(0);
            pulled.cursor.meetings = pulled.cursor.meetings.max(pos);
            match serde_json::from_value(row.get(2)) {
                Ok(meeting) => pulled.meetings.push(RoomMeeting {
                    key: row.get(1),
                    meeting,
                    from_pages: row.get(3),
                    cancelled: row.get(4),
                }),
                Err(problem) => skipped_row("meetings", &pos.to_string(), &problem),
            }
        }
        let events = tx
            .query(
                &format!(
                    "SELECT e.pos, {WIRE_COLUMNS} FROM events e JOIN meeting_rooms r ON r.key = e.meeting
                     WHERE r.room = $1 AND e.pos > $2 AND e.pos > r.hidden_before
                     ORDER BY e.pos LIMIT $3"
                ),
                &[&room, &since.events, &PULL_LIMIT],
            )
            .await?;
        for row in events {
            let pos: i64 = row.get(0);
            pulled.cursor.events = pos;
            match wire(&row, 1) {
                Ok(event) if !same_device(device, &event.device) => pulled.events.push(event),
                Ok(_) => {}
                Err(problem) => skipped_row("events", &pos.to_string(), &problem),
            }
        }
        tx.commit().await?;
        Ok(pulled)
    }

    async fn schedule_changes(&self, since: Option<i64>) -> Result<(i64, Vec<String>), DbError> {
        let client = self.conn().await?;
        let newest: i64 = client
            .query_one("SELECT COALESCE(MAX(pos), 0)::bigint FROM meetings", &[])
            .await?
            .get(0);
        let Some(since) = since.filter(|s| *s < newest) else {
            return Ok((newest, Vec::new()));
        };
        let rooms = client
            .query(
                "SELECT DISTINCT r.room FROM meetings m JOIN meeting_rooms r ON r.key = m.key
                 WHERE m.pos > $1 AND m.pos <= $2 ORDER BY 1",
                &[&since, &newest],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok((newest, rooms))
    }

    async fn meetings(&self) -> Result<Vec<MeetingEntry>, DbError> {
        let mut meetings = self.meeting_entries(None, None).await?;
        newest_first(&mut meetings);
        Ok(meetings)
    }

    async fn room_meetings(&self, room: &str) -> Result<Vec<MeetingEntry>, DbError> {
        let mut meetings = self.meeting_entries(None, Some(room)).await?;
        newest_first(&mut meetings);
        Ok(meetings)
    }

    async fn meeting(&self, key: &str) -> Result<Option<MeetingEntry>, DbError> {
        Ok(self.meeting_entries(Some(key), None).await?.pop())
    }

    async fn put_user(&self, user: &UserRecord) -> Result<(), DbError> {
        let bodies =
            serde_json::to_string(&user.bodies).map_err(|e| DbError::BadRow(e.to_string()))?;
        self.conn()
            .await?
            .execute(
                "INSERT INTO users (name, password_hash, role, bodies) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,
                     role = excluded.role, bodies = excluded.bodies",
                &[
                    &user.name,
                    &user.password_hash,
                    &user.role.as_str(),
                    &bodies,
                ],
            )
            .await?;
        Ok(())
    }

    async fn user(&self, name: &str) -> Result<Option<UserRecord>, DbError> {
        self.conn()
            .await?
            .query_opt(
                "SELECT name, password_hash, role, bodies FROM users WHERE name = $1",
                &[&name],
            )
            .await?
            .map(|r| {
                UserRecord::stored(r.get(0), r.get(1), r.get::<_, &str>(2), r.get::<_, &str>(3))
            })
            .transpose()
    }

    async fn audit(&self, entry: &AuditEntry) -> Result<(), DbError> {
        insert_audit(&**self.conn().await?, entry).await
    }

    async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
        Ok(self
            .conn()
            .await?
            .query(
                "SELECT at, who, action, meeting, detail FROM audit ORDER BY pos DESC LIMIT $1",
                &[&limit],
            )
            .await?
            .iter()
            .map(|r| AuditEntry {
                at: r.get(0),
                who: r.get(1),
                action: r.get(2),
                meeting: r.get(3),
                detail: r.get(4),
            })
            .collect())
    }

    async fn add_room(&self, room: &str, now: DateTime<Utc>) -> Result<(), DbError> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO rooms (name, created) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&room, &now],
            )
            .await?;
        Ok(())
    }

    async fn set_room(
        &self,
        room: &str,
        title: Option<&str>,
        screen: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO rooms (name, created, title, screen)
                     VALUES ($1, $2, $3, COALESCE($4, 'signed-in'))
                 ON CONFLICT (name) DO UPDATE SET
                     title = COALESCE($3, rooms.title), screen = COALESCE($4, rooms.screen)",
                &[&room, &now, &title, &screen],
            )
            .await?;
        Ok(())
    }

    async fn rooms(&self) -> Result<Vec<String>, DbError> {
        Ok(self
            .conn()
            .await?
            .query(
                "SELECT name FROM rooms UNION SELECT room FROM devices
                 UNION SELECT room FROM codes UNION SELECT room FROM meeting_rooms ORDER BY 1",
                &[],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn room(&self, room: &str) -> Result<Option<RoomRecord>, DbError> {
        Ok(self
            .conn()
            .await?
            .query_opt(
                "SELECT name, title, screen FROM rooms WHERE name = $1",
                &[&room],
            )
            .await?
            .map(|r| RoomRecord {
                name: r.get(0),
                title: r.get(1),
                screen: r.get(2),
            }))
    }

    async fn add_room_token(&self, token: &RoomToken) -> Result<(), DbError> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO room_tokens (id, hash, room, purpose, name, created, created_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &token.id,
                    &token.hash,
                    &token.room,
                    &token.purpose,
                    &token.name,
                    &token.created,
                    &token.created_by,
                ],
            )
            .await?;
        Ok(())
    }

    async fn room_tokens(&self, room: &str) -> Result<Vec<RoomToken>, DbError> {
        Ok(self
            .conn()
            .await?
            .query(
                &format!("{TOKEN_COLUMNS} WHERE room = $1 ORDER BY created, id"),
                &[&room],
            )
            .await?
            .iter()
            .map(room_token)
            .collect())
    }

    async fn room_token(&self, hash: &str) -> Result<Option<RoomToken>, DbError> {
        Ok(self
            .conn()
            .await?
            .query_opt(&format!("{TOKEN_COLUMNS} WHERE hash = $1"), &[&hash])
            .await?
            .as_ref()
            .map(room_token))
    }

    async fn revoke_room_token(
        &self,
        room: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DbError> {
        Ok(self
            .conn()
            .await?
            .execute(
                "UPDATE room_tokens SET revoked = $3
                 WHERE room = $1 AND id = $2 AND revoked IS NULL",
                &[&room, &id, &now],
            )
            .await?
            == 1)
    }

    async fn open_session(
        &self,
        session: &SessionRecord,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let client = self.conn().await?;
        client
            .execute(
                "DELETE FROM sessions WHERE expires <= $1 OR ends <= $1",
                &[&now],
            )
            .await?;
        client
            .execute(
                "INSERT INTO sessions (token_hash, user_name, password, csrf, expires, ends)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &session.token_hash,
                    &session.user,
                    &session.password,
                    &session.csrf,
                    &session.expires,
                    &session.ends,
                ],
            )
            .await?;
        Ok(())
    }

    async fn use_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, DbError> {
        let client = self.conn().await?;
        // Moved when due (one statement: a sign-out cannot come between),
        // else only read.
        let moved = client
            .query_opt(
                "UPDATE sessions SET expires = $3
                 WHERE token_hash = $1 AND expires > $2 AND ends > $2 AND expires < $4
                 RETURNING user_name, password, csrf, expires, ends",
                &[
                    &token_hash,
                    &now,
                    &expires,
                    &(expires - super::SESSION_SLACK),
                ],
            )
            .await?;
        let row = match moved {
            Some(row) => Some(row),
            None => {
                client
                    .query_opt(
                        "SELECT user_name, password, csrf, expires, ends FROM sessions
                         WHERE token_hash = $1 AND expires > $2 AND ends > $2",
                        &[&token_hash, &now],
                    )
                    .await?
            }
        };
        Ok(row.map(|r| SessionRecord {
            token_hash: token_hash.to_string(),
            user: r.get(0),
            password: r.get(1),
            csrf: r.get(2),
            expires: r.get(3),
            ends: r.get(4),
        }))
    }

    async fn close_session(&self, token_hash: &str) -> Result<(), DbError> {
        self.conn()
            .await?
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
            .await?;
        Ok(())
    }

    async fn attempt(
        &self,
        allowances: &[Allowance],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Result<(), DateTime<Utc>>, DbError> {
        let mut client = self.conn().await?;
        // Each statement sees what the attempt before it committed (the
        // locks below order them), whatever the database's default.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::ReadCommitted)
            .start()
            .await?;
        // One attempt at a time under a key, whichever server takes it:
        // the keys' locks taken in one order, so two attempts never wait
        // on each other's.
        let keys: Vec<&str> = allowances.iter().map(|a| a.key.as_str()).collect();
        tx.execute(
            "SELECT pg_advisory_xact_lock(lock) FROM
                 (SELECT DISTINCT hashtextextended(key, 0) AS lock FROM unnest($1::text[]) AS key) AS locks
             ORDER BY lock",
            &[&keys],
        )
        .await?;
        let mut failures = Vec::with_capacity(allowances.len());
        for allowance in allowances {
            tx.execute(
                "DELETE FROM failures WHERE key = $1 AND at <= $2",
                &[&allowance.key, &since],
            )
            .await?;
            let times = tx
                .query(
                    "SELECT at FROM failures WHERE key = $1 ORDER BY at, id",
                    &[&allowance.key],
                )
                .await?
                .iter()
                .map(|r| r.get::<_, DateTime<Utc>>(0))
                .collect::<Vec<_>>();
            failures.push(times);
        }
        if let Some(first) = super::spent(allowances, &failures) {
            return Ok(Err(first));
        }
        for allowance in allowances {
            tx.execute(
                "INSERT INTO failures (key, at) VALUES ($1, $2)",
                &[&allowance.key, &now],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn attempt_succeeded(&self, keys: &[String]) -> Result<(), DbError> {
        let client = self.conn().await?;
        for key in keys {
            client
                .execute(
                    "DELETE FROM failures WHERE id =
                         (SELECT id FROM failures WHERE key = $1 ORDER BY at DESC, id DESC LIMIT 1)",
                    &[key],
                )
                .await?;
        }
        Ok(())
    }

    async fn forget_failures(&self, key: &str) -> Result<(), DbError> {
        self.conn()
            .await?
            .execute("DELETE FROM failures WHERE key = $1", &[&key])
            .await?;
        Ok(())
    }

    async fn healthy(&self) -> Result<(), DbError> {
        // A standby after a failover, or a database set read-only, answers
        // but stores nothing.
        let row = self
            .conn()
            .await?
            .query_one(
                "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'",
                &[],
            )
            .await?;
        if row.try_get::<_, bool>(0).unwrap_or(false) {
            return Err(DbError::ReadOnly(
                "the database takes no writes (a standby, or read-only)".into(),
            ));
        }
        Ok(())
    }
}

/// The columns of a room's token, in [`room_token`]'s order.
const TOKEN_COLUMNS: &str =
    "SELECT id, hash, room, purpose, name, created, created_by, revoked FROM room_tokens";

fn room_token(r: &tokio_postgres::Row) -> RoomToken {
    RoomToken {
        id: r.get(0),
        hash: r.get(1),
        room: r.get(2),
        purpose: r.get(3),
        name: r.get(4),
        created: r.get(5),
        created_by: r.get(6),
        revoked: r.get(7),
    }
}

#[cfg(test)]
mod tests {
    use super::contracts;

    #[test]
    fn a_migration_contracts_only_by_its_first_line() {
        assert!(contracts("-- contract\nALTER TABLE events DROP COLUMN x"));
        assert!(contracts(
            "\n-- contract: x unread since 0.3\nALTER TABLE events DROP COLUMN x"
        ));
        assert!(!contracts(
            "-- contracts of the rooms\nCREATE TABLE contracts (id text)"
        ));
        assert!(!contracts(
            "-- 7: rooms\n-- contract\nCREATE TABLE r (id text)"
        ));
        assert!(
            !super::MIGRATIONS.iter().any(|m| contracts(m)),
            "every migration so far expands"
        );
    }
}
