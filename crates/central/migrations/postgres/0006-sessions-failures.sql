    -- 6: what a second server, or the same one after a restart, must know:
    -- the secretaries' sessions (by their token's hash) and the failed
    -- sign-ins and enrolments that the limits count.
    CREATE TABLE sessions (
        token_hash text PRIMARY KEY,
        user_name text NOT NULL,
        password text NOT NULL,
        csrf text NOT NULL,
        expires timestamptz NOT NULL,
        ends timestamptz NOT NULL
    );
    CREATE INDEX sessions_ends ON sessions (ends);
    CREATE TABLE failures (
        id bigserial PRIMARY KEY,
        key text NOT NULL,
        at timestamptz NOT NULL
    );
    CREATE INDEX failures_key ON failures (key, at);
