    -- A meeting the secretary's import took from another room (which had
    -- it from its kiosks only): the events stored until then (pos up to
    -- this) are that room's kiosks', no longer the meeting's.
    ALTER TABLE meeting_rooms ADD COLUMN hidden_before bigint NOT NULL DEFAULT 0;
    -- The card registry reads events by type only.
    CREATE INDEX events_type ON events ((body->>'type'), pos);
