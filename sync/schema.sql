-- SPDX-License-Identifier: GPL-2.0-or-later
-- The central collection of every room's committed photos and records, in PostgreSQL (15).
--
-- Apply once, as the database's owner (a superuser or a role with CREATEROLE that owns the
-- database), in a database made for it:
--     createdb booths
--     psql -v ON_ERROR_STOP=1 -d booths -f /usr/share/boothd/sync/schema.sql
-- Then give each booth its own login role and register it (as the same owner):
--     CREATE ROLE booth_101 LOGIN PASSWORD '...';
--     SELECT booth.add_booth('zhishan-101', 'booth_101', '至善楼 101');
-- and the people or programs that gather the collection a role in booth_collect:
--     CREATE ROLE registrar LOGIN PASSWORD '...' IN ROLE booth_collect;
-- Applying it again changes nothing (every statement checks first).
--
-- What it promises:
-- - one row per (booth_id, session_id) in booth.sessions, one per (booth_id, session_id,
--   profile) in booth.photos: a booth that sends the same session twice adds nothing;
-- - a photo's SHA-256 and size are checked by the server when the row is written, in the same
--   transaction (the CHECK constraints below): a photo whose bytes do not match the booth's
--   record is refused and nothing of that transaction lands;
-- - row-level security: a booth's role (a member of booth_sync) inserts and reads only the
--   rows of the booth it is registered for, and cannot change or delete any row; booth_collect
--   reads everything and writes nothing.

BEGIN;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'booth_sync') THEN
    CREATE ROLE booth_sync NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'booth_collect') THEN
    CREATE ROLE booth_collect NOLOGIN;
  END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS booth;
REVOKE ALL ON SCHEMA booth FROM PUBLIC;
GRANT USAGE ON SCHEMA booth TO booth_sync, booth_collect;

-- The booths: which login role speaks for which booth, and the room it stands in.
CREATE TABLE IF NOT EXISTS booth.booths (
  booth_id text PRIMARY KEY CHECK (booth_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  role name NOT NULL UNIQUE,
  room text NOT NULL DEFAULT '',
  added_at timestamptz NOT NULL DEFAULT now()
);

-- One committed session: the capture code byte for byte and the record's fields.
CREATE TABLE IF NOT EXISTS booth.sessions (
  booth_id text NOT NULL REFERENCES booth.booths (booth_id),
  session_id text NOT NULL CHECK (session_id ~ '^[A-Za-z0-9-]{1,64}$'),
  code bytea NOT NULL CHECK (length(code) > 0),
  operator text NOT NULL DEFAULT '',
  profile text NOT NULL DEFAULT '',
  started_at timestamptz NOT NULL,
  code_at timestamptz, -- when the session got its code, when the booth recorded it
  committed_at timestamptz NOT NULL,
  attempts integer NOT NULL CHECK (attempts >= 0),
  overrides text[] NOT NULL DEFAULT '{}',
  note text NOT NULL DEFAULT '',
  -- every profile's checks, as boothd recorded them: {"profile": [{name, pass, value, ...}]}
  checks jsonb,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (booth_id, session_id)
);
CREATE INDEX IF NOT EXISTS sessions_by_commit ON booth.sessions (committed_at);

-- One photo of a committed session, its bytes in the database (see docs/scale.md for object
-- storage instead).
CREATE TABLE IF NOT EXISTS booth.photos (
  booth_id text NOT NULL,
  session_id text NOT NULL,
  profile text NOT NULL CHECK (profile ~ '^[A-Za-z0-9_-]{1,64}$'),
  -- the booth's file name, photos/<session>_<profile>.jpg
  file text NOT NULL,
  bytes bigint NOT NULL,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  width integer NOT NULL DEFAULT 0,
  height integer NOT NULL DEFAULT 0,
  quality integer NOT NULL DEFAULT 0,
  data bytea NOT NULL,
  PRIMARY KEY (booth_id, session_id, profile),
  FOREIGN KEY (booth_id, session_id) REFERENCES booth.sessions (booth_id, session_id),
  CONSTRAINT photo_sha256_matches CHECK (encode(sha256(data), 'hex') = sha256),
  CONSTRAINT photo_bytes_match CHECK (length(data) = bytes)
);
-- JPEG does not compress: keep it out of line without trying.
ALTER TABLE booth.photos ALTER COLUMN data SET STORAGE EXTERNAL;

-- The booth the calling role is registered for, or NULL.
CREATE OR REPLACE FUNCTION booth.current_booth() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT booth_id FROM booth.booths WHERE role = current_user $$;

-- Registers a booth's login role (the role must exist; the owner runs this).
CREATE OR REPLACE FUNCTION booth.add_booth(p_booth_id text, p_role name, p_room text DEFAULT '')
  RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role) THEN
    RAISE EXCEPTION 'role % does not exist: CREATE ROLE % LOGIN PASSWORD ''...'' first',
      p_role, p_role;
  END IF;
  INSERT INTO booth.booths (booth_id, role, room) VALUES (p_booth_id, p_role, p_room)
    ON CONFLICT (booth_id) DO UPDATE SET role = EXCLUDED.role, room = EXCLUDED.room;
  EXECUTE format('GRANT booth_sync TO %I', p_role);
END
$$;
REVOKE ALL ON FUNCTION booth.add_booth(text, name, text) FROM PUBLIC;

REVOKE ALL ON ALL TABLES IN SCHEMA booth FROM PUBLIC;
GRANT SELECT ON booth.booths TO booth_sync, booth_collect;
GRANT SELECT, INSERT ON booth.sessions, booth.photos TO booth_sync;
GRANT SELECT ON booth.sessions, booth.photos TO booth_collect;
GRANT EXECUTE ON FUNCTION booth.current_booth() TO booth_sync, booth_collect;

ALTER TABLE booth.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE booth.photos ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS own_booth ON booth.sessions;
CREATE POLICY own_booth ON booth.sessions FOR ALL TO booth_sync
  USING (booth_id = booth.current_booth()) WITH CHECK (booth_id = booth.current_booth());
DROP POLICY IF EXISTS own_booth ON booth.photos;
CREATE POLICY own_booth ON booth.photos FOR ALL TO booth_sync
  USING (booth_id = booth.current_booth()) WITH CHECK (booth_id = booth.current_booth());
DROP POLICY IF EXISTS everything ON booth.sessions;
CREATE POLICY everything ON booth.sessions FOR SELECT TO booth_collect USING (true);
DROP POLICY IF EXISTS everything ON booth.photos;
CREATE POLICY everything ON booth.photos FOR SELECT TO booth_collect USING (true);

COMMIT;
