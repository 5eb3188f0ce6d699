    CREATE TABLE events (
        pos           bigserial PRIMARY KEY,
        id            uuid NOT NULL UNIQUE,
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
    CREATE INDEX events_meeting ON events (meeting, pos);
    CREATE TABLE acks (device text PRIMARY KEY, seq bigint NOT NULL);
    CREATE TABLE codes (
        hash     text PRIMARY KEY,
        room     text NOT NULL,
        created  timestamptz NOT NULL,
        expires  timestamptz NOT NULL,
        used_by  text,
        used_at  timestamptz
    );
    CREATE TABLE devices (
        name        text PRIMARY KEY,
        room        text NOT NULL,
        token_hash  text NOT NULL UNIQUE,
        enrolled    timestamptz NOT NULL,
        revoked     timestamptz,
        last_seen   timestamptz,
        offset_ms   bigint,
        within_ms   bigint
    );
    CREATE TABLE meeting_rooms (key text PRIMARY KEY, room text NOT NULL);
    CREATE TABLE meetings (
        pos       bigserial PRIMARY KEY,
        key       text NOT NULL,
        received  timestamptz NOT NULL,
        body      jsonb NOT NULL
    );
    CREATE INDEX meetings_key ON meetings (key, pos);
    CREATE TABLE boot_clocks (
        device     text NOT NULL,
        boot       text NOT NULL,
        offset_ms  bigint NOT NULL,
        zero_ms    bigint,
        within_ms  bigint NOT NULL,
        PRIMARY KEY (device, boot)
    );
