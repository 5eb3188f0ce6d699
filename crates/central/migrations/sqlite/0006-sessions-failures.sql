    -- 6: what a second server, or the same one after a restart, must know:
    -- the secretaries' sessions (by their token's hash) and the failed
    -- sign-ins and enrolments that the limits count. Times in milliseconds
    -- since 1970 (compared as numbers).
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        password TEXT NOT NULL,
        csrf TEXT NOT NULL,
        expires INTEGER NOT NULL,
        ends INTEGER NOT NULL
    );
    CREATE INDEX sessions_ends ON sessions (ends);
    CREATE TABLE failures (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE INDEX failures_key ON failures (key, at);
