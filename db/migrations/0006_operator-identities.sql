-- Up Migration
-- Named operator identities with a role, each with its own bearer token (only its SHA-256 is
-- kept). The identity configured by AAR_OPERATOR_TOKEN has no stored hash: the api server
-- checks that token against its configuration and records actions under the row's name.
CREATE TABLE operators (
  id          text PRIMARY KEY CHECK (id ~ '^op-[a-z0-9-]{1,60}$'),
  name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$'),
  role        text NOT NULL CHECK (role IN ('viewer', 'operator', 'approver', 'admin')),
  token_hash  bytea UNIQUE CHECK (token_hash IS NULL OR length(token_hash) = 32),
  configured  boolean NOT NULL DEFAULT false,
  created_by  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  rotated_at  timestamptz,
  revoked_at  timestamptz,
  CHECK (configured OR token_hash IS NOT NULL)
);

-- Dashboard sessions: the cookie carries a random id, the table its SHA-256. Logging out or
-- revoking the identity ends a session at once.
CREATE TABLE operator_sessions (
  id_hash      bytea PRIMARY KEY CHECK (length(id_hash) = 32),
  operator_id  text NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz
);
CREATE INDEX operator_sessions_operator_idx ON operator_sessions (operator_id);

-- The identity that started the campaign (null for campaigns started before identities).
ALTER TABLE campaigns ADD COLUMN launched_by text;

-- Down Migration
ALTER TABLE campaigns DROP COLUMN launched_by;
DROP TABLE operator_sessions;
DROP TABLE operators;
