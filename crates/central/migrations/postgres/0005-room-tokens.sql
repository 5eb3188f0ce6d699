    -- 5: a room's tokens: links for its screen and keys for its controls
    -- (a Stream Deck, a script), handed out by an administrator and
    -- stored as hashes only.
    CREATE TABLE room_tokens (
        id text PRIMARY KEY,
        hash text NOT NULL UNIQUE,
        room text NOT NULL,
        purpose text NOT NULL,
        name text NOT NULL,
        created timestamptz NOT NULL,
        created_by text NOT NULL,
        revoked timestamptz
    );
    CREATE INDEX room_tokens_room ON room_tokens (room);
