    -- 5: a room's tokens: links for its screen and keys for its controls
    -- (a Stream Deck, a script), handed out by an administrator and
    -- stored as hashes only.
    CREATE TABLE room_tokens (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        room TEXT NOT NULL,
        purpose TEXT NOT NULL,
        name TEXT NOT NULL,
        created TEXT NOT NULL,
        created_by TEXT NOT NULL,
        revoked TEXT
    );
    CREATE INDEX room_tokens_room ON room_tokens (room);
