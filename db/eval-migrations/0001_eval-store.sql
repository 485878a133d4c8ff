-- Up Migration
-- The eval server's own database: the only place that holds test labels. No other process is
-- given its URL.

CREATE TABLE tasks (
  id                text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  num_classes       integer NOT NULL CHECK (num_classes >= 2),
  test_size         integer NOT NULL CHECK (test_size >= 1),
  test_labels       smallint[] NOT NULL,
  public_indices    integer[] NOT NULL,
  private_indices   integer[] NOT NULL,
  weak_accuracy     double precision NOT NULL,
  ceiling_accuracy  double precision NOT NULL,
  bundle            bytea NOT NULL,
  bundle_sha256     text NOT NULL,
  expires_at        timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE tasks;
