    -- `pos` orders the log for pulls (never reused: nothing is deleted).
    CREATE TABLE events (
        pos           INTEGER PRIMARY KEY,
        id            TEXT NOT NULL UNIQUE,
        device        TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        meeting       TEXT NOT NULL,
        wall          TEXT NOT NULL,
        mono_ms       INTEGER NOT NULL,
        boot          TEXT NOT NULL,
        clock_synced  INTEGER NOT NULL,
        received      TEXT NOT NULL,
        body          TEXT NOT NULL,
        UNIQUE (device, seq)
    );
    CREATE INDEX events_meeting ON events (meeting, pos);
    CREATE TRIGGER events_append_only BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

    -- Each device's acknowledged sequence number.
    CREATE TABLE acks (device TEXT PRIMARY KEY, seq INTEGER NOT NULL);

    -- One-time enrolment codes, by their SHA-256.
    CREATE TABLE codes (
        hash     TEXT PRIMARY KEY,
        room     TEXT NOT NULL,
        created  TEXT NOT NULL,
        expires  TEXT NOT NULL,
        used_by  TEXT,
        used_at  TEXT
    );

    -- Enrolled devices; the token is kept only as its SHA-256.
    CREATE TABLE devices (
        name        TEXT PRIMARY KEY,
        room        TEXT NOT NULL,
        token_hash  TEXT NOT NULL UNIQUE,
        enrolled    TEXT NOT NULL,
        revoked     TEXT,
        last_seen   TEXT,
        offset_ms   INTEGER,
        within_ms   INTEGER
    );

    -- Which room a meeting belongs to, and every version of it.
    CREATE TABLE meeting_rooms (key TEXT PRIMARY KEY, room TEXT NOT NULL);
    CREATE TABLE meetings (
        pos       INTEGER PRIMARY KEY,
        key       TEXT NOT NULL,
        received  TEXT NOT NULL,
        body      TEXT NOT NULL
    );
    CREATE INDEX meetings_key ON meetings (key, pos);

    -- The most precise measurement of each device's clock per boot (for
    -- correcting events recorded before NTP synchronised).
    CREATE TABLE boot_clocks (
        device     TEXT NOT NULL,
        boot       TEXT NOT NULL,
        offset_ms  INTEGER NOT NULL,
        zero_ms    INTEGER,
        within_ms  INTEGER NOT NULL,
        PRIMARY KEY (device, boot)
    );
