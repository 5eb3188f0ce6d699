-- 2: what sync brings from the central store.
    -- Events of the room's other devices, as pulled from the central store.
    CREATE TABLE learned (
        rowid         INTEGER PRIMARY KEY,
        id            TEXT NOT NULL UNIQUE,
        device        TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        meeting       TEXT NOT NULL,
        wall          TEXT NOT NULL,
        mono_ms       INTEGER NOT NULL,
        boot          TEXT NOT NULL,
        clock_synced  INTEGER NOT NULL,
        type          TEXT NOT NULL,
        body          TEXT NOT NULL,
        received      TEXT NOT NULL
    );
    CREATE INDEX learned_meeting ON learned (meeting, rowid);

    -- How far the pulls have come: the newest row is the cursor.
    CREATE TABLE pull_cursors (
        rowid     INTEGER PRIMARY KEY,
        events    INTEGER NOT NULL,
        meetings  INTEGER NOT NULL,
        at        TEXT NOT NULL
    );

    CREATE TRIGGER learned_append_only BEFORE UPDATE ON learned
        BEGIN SELECT RAISE(ABORT, 'learned is append-only'); END;
    CREATE TRIGGER learned_no_delete BEFORE DELETE ON learned
        BEGIN SELECT RAISE(ABORT, 'learned is append-only'); END;
    CREATE TRIGGER pull_cursors_append_only BEFORE UPDATE ON pull_cursors
        BEGIN SELECT RAISE(ABORT, 'pull_cursors are append-only'); END;
    CREATE TRIGGER pull_cursors_no_delete BEFORE DELETE ON pull_cursors
        BEGIN SELECT RAISE(ABORT, 'pull_cursors are append-only'); END;
    