    CREATE TABLE users (
        name           text PRIMARY KEY,
        password_hash  text NOT NULL,
        role           text NOT NULL,
        bodies         text NOT NULL
    );
    CREATE TABLE audit (
        pos      bigserial PRIMARY KEY,
        at       timestamptz NOT NULL,
        who      text NOT NULL,
        action   text NOT NULL,
        meeting  text,
        detail   text NOT NULL
    );
    CREATE TABLE rooms (name text PRIMARY KEY, created timestamptz NOT NULL);
    ALTER TABLE devices ADD COLUMN pending bigint;
    ALTER TABLE meetings ADD COLUMN from_pages boolean NOT NULL DEFAULT false;
    CREATE FUNCTION motesskylt_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
    CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION motesskylt_audit_append_only();
