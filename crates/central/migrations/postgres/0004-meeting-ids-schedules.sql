    -- 4: meetings with their own ids, rooms with schedules.
    -- A meeting's key is its id from now on: those stored before keep the
    -- label they had (SRO-2026-06-04) as their id. A version may cancel
    -- the meeting (it stays, with its events, marked as cancelled).
    ALTER TABLE meetings ADD COLUMN cancelled boolean NOT NULL DEFAULT false;
    -- A room's name as people say it, and who may see its screen.
    ALTER TABLE rooms ADD COLUMN title text;
    ALTER TABLE rooms ADD COLUMN screen text NOT NULL DEFAULT 'signed-in';
    -- The meeting each kiosk's door shows (its id; empty: free), as it
    -- last told.
    ALTER TABLE devices ADD COLUMN showing text;
    -- A room's schedule is read by room.
    CREATE INDEX meeting_rooms_room ON meeting_rooms (room);
