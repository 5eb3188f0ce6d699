    -- 4: a meeting pulled from the room's schedule may be cancelled (the
    -- door says so in its time); its key is its id in the central store.
    ALTER TABLE meetings ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;
