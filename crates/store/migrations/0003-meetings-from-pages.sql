-- 3: meetings imported on the secretary's pages, as pulled: shown
-- rather than the kiosk's own notice file.
    ALTER TABLE meetings ADD COLUMN from_pages INTEGER NOT NULL DEFAULT 0;
    