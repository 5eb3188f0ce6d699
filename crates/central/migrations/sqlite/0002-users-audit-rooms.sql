    -- People who sign in to the pages; the password only as its argon2
    -- hash, the bodies a secretary sees as a JSON array.
    CREATE TABLE users (
        name           TEXT PRIMARY KEY,
        password_hash  TEXT NOT NULL,
        role           TEXT NOT NULL,
        bodies         TEXT NOT NULL
    );
    -- Who did what: corrections, enrolments, exports. Append-only.
    CREATE TABLE audit (
        pos      INTEGER PRIMARY KEY,
        at       TEXT NOT NULL,
        who      TEXT NOT NULL,
        action   TEXT NOT NULL,
        meeting  TEXT,
        detail   TEXT NOT NULL
    );
    CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TABLE rooms (name TEXT PRIMARY KEY, created TEXT NOT NULL);
    -- Events waiting in a device's outbox, as it last told.
    ALTER TABLE devices ADD COLUMN pending INTEGER;
    -- A version imported on the secretary's pages; a device's upload
    -- never replaces one.
    ALTER TABLE meetings ADD COLUMN from_pages INTEGER NOT NULL DEFAULT 0;
