-- 1: device identity, meetings, the event log, the sync cursor.
    CREATE TABLE device (
        id       TEXT NOT NULL,
        created  TEXT NOT NULL
    );

    -- Every version of every meeting the kiosk was given; the newest row of
    -- a key is the meeting.
    CREATE TABLE meetings (
        rowid     INTEGER PRIMARY KEY,
        key       TEXT NOT NULL,
        received  TEXT NOT NULL,
        body      TEXT NOT NULL
    );
    CREATE INDEX meetings_key ON meetings (key, rowid);

    -- The event log. `body` is the event as one JSON line of the contract;
    -- the other columns say where and when it was recorded.
    CREATE TABLE events (
        rowid         INTEGER PRIMARY KEY,
        id            TEXT NOT NULL UNIQUE,
        device        TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        meeting       TEXT NOT NULL,
        at            TEXT NOT NULL,
        wall          TEXT NOT NULL,
        mono_ms       INTEGER NOT NULL,
        boot          TEXT NOT NULL,
        clock_synced  INTEGER NOT NULL,
        type          TEXT NOT NULL,
        body          TEXT NOT NULL,
        UNIQUE (device, seq)
    );
    CREATE INDEX events_meeting ON events (meeting, rowid);

    -- How far the central store has confirmed the log: the newest row's
    -- `up_to` (an events rowid) is the outbox cursor.
    CREATE TABLE sync_acks (
        rowid  INTEGER PRIMARY KEY,
        up_to  INTEGER NOT NULL,
        at     TEXT NOT NULL
    );

    -- Nothing is updated in place or deleted.
    CREATE TRIGGER device_append_only BEFORE UPDATE ON device
        BEGIN SELECT RAISE(ABORT, 'device is append-only'); END;
    CREATE TRIGGER device_no_delete BEFORE DELETE ON device
        BEGIN SELECT RAISE(ABORT, 'device is append-only'); END;
    CREATE TRIGGER meetings_append_only BEFORE UPDATE ON meetings
        BEGIN SELECT RAISE(ABORT, 'meetings are append-only'); END;
    CREATE TRIGGER meetings_no_delete BEFORE DELETE ON meetings
        BEGIN SELECT RAISE(ABORT, 'meetings are append-only'); END;
    CREATE TRIGGER events_append_only BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER sync_acks_append_only BEFORE UPDATE ON sync_acks
        BEGIN SELECT RAISE(ABORT, 'sync_acks are append-only'); END;
    CREATE TRIGGER sync_acks_no_delete BEFORE DELETE ON sync_acks
        BEGIN SELECT RAISE(ABORT, 'sync_acks are append-only'); END;
    