-- Up Migration
-- The eval server proper: task metadata next to the labels, bearer tokens (hashed), registered
-- experiments, scored submissions, the Ladder, violations and the hash-chained audit log.

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM tasks) THEN
    RAISE EXCEPTION 'tasks holds rows loaded before migration 0002; empty the table and reload them with server/eval/load-task.ts';
  END IF;
END $$;

ALTER TABLE tasks
  ADD COLUMN source_task        text NOT NULL,
  ADD COLUMN label_store_sha256 text NOT NULL,
  ADD COLUMN seeds              integer NOT NULL CHECK (seeds >= 1),
  ADD COLUMN accuracy_detail    jsonb NOT NULL,
  ADD COLUMN updated_at         timestamptz NOT NULL DEFAULT now(),
  ADD CONSTRAINT tasks_ceiling_above_weak CHECK (ceiling_accuracy > weak_accuracy),
  ADD CONSTRAINT tasks_labels_match_size CHECK (cardinality(test_labels) = test_size),
  ADD CONSTRAINT tasks_split_covers_test_set
    CHECK (cardinality(public_indices) + cardinality(private_indices) = test_size);

-- Agent tokens act for one campaign and agent; run tokens may only download one task's bundle.
CREATE TABLE tokens (
  id            text PRIMARY KEY,
  token_sha256  text NOT NULL UNIQUE,
  role          text NOT NULL CHECK (role IN ('agent', 'run')),
  campaign_id   text,
  agent_id      text,
  task_id       text REFERENCES tasks (id) ON DELETE CASCADE,
  expires_at    timestamptz,
  revoked_at    timestamptz,
  replaced_by   text REFERENCES tokens (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (
    (role = 'agent' AND campaign_id IS NOT NULL AND agent_id IS NOT NULL AND task_id IS NULL)
    OR (role = 'run' AND task_id IS NOT NULL AND campaign_id IS NULL AND agent_id IS NULL
        AND expires_at IS NOT NULL)
  )
);

CREATE TABLE experiments (
  id           text PRIMARY KEY,
  campaign_id  text NOT NULL,
  agent_id     text NOT NULL,
  task_id      text NOT NULL REFERENCES tasks (id),
  seeds        integer NOT NULL CHECK (seeds BETWEEN 1 AND 64),
  no_eval      boolean NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per agent that ever submitted: its lock serialises that agent's budget checks.
CREATE TABLE agent_ledgers (
  campaign_id  text NOT NULL,
  agent_id     text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, agent_id)
);

CREATE TABLE submissions (
  id                text PRIMARY KEY,
  campaign_id       text NOT NULL,
  agent_id          text NOT NULL,
  experiment_id     text NOT NULL REFERENCES experiments (id),
  task_id           text NOT NULL REFERENCES tasks (id),
  idempotency_key   text NOT NULL,
  payload_sha256    text NOT NULL,
  via_admin         boolean NOT NULL,
  seed_numbers      integer[] NOT NULL,
  public_mean_pgr   double precision NOT NULL,
  private_mean_pgr  double precision NOT NULL,
  public_score      jsonb NOT NULL,
  private_score     jsonb NOT NULL,
  receipt           jsonb NOT NULL,
  probe             jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (campaign_id, agent_id, idempotency_key)
);
CREATE INDEX submissions_agent_time ON submissions (campaign_id, agent_id, created_at);
CREATE INDEX submissions_agent_task_time ON submissions (campaign_id, agent_id, task_id, created_at DESC);
CREATE INDEX submissions_experiment ON submissions (experiment_id, created_at);

-- Predicted classes per seed (one byte per row below 257 classes, else two): what probe
-- detection compares. Probabilities themselves are not kept.
CREATE TABLE submission_predictions (
  submission_id  text NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
  seed           integer NOT NULL,
  classes        bytea NOT NULL,
  PRIMARY KEY (submission_id, seed)
);

-- The Ladder: what each agent has been told about its best public score on a task.
CREATE TABLE ladder_states (
  campaign_id    text NOT NULL,
  agent_id       text NOT NULL,
  task_id        text NOT NULL REFERENCES tasks (id),
  reported_pgr   double precision NOT NULL,
  interval_low   double precision NOT NULL,
  interval_high  double precision NOT NULL,
  submission_id  text NOT NULL REFERENCES submissions (id),
  experiment_id  text NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, agent_id, task_id)
);

CREATE TABLE violations (
  id             bigserial PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('no_eval', 'budget_exhausted', 'probe')),
  campaign_id    text NOT NULL,
  agent_id       text NOT NULL,
  experiment_id  text,
  submission_id  text,
  via_admin      boolean NOT NULL,
  detail         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX violations_campaign ON violations (campaign_id, created_at);

-- Append-only, hash-chained: hash = sha256(prev_hash || canonical JSON of entry). The head row
-- holds the last link, so truncating the tail is detected too.
CREATE TABLE audit_log (
  seq         bigint PRIMARY KEY,
  prev_hash   text NOT NULL,
  hash        text NOT NULL,
  entry       jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE audit_head (
  id    boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq   bigint NOT NULL,
  hash  text NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, repeat('0', 64));

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Down Migration
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE audit_head;
DROP TABLE violations;
DROP TABLE ladder_states;
DROP TABLE submission_predictions;
DROP TABLE submissions;
DROP TABLE agent_ledgers;
DROP TABLE experiments;
DROP TABLE tokens;
ALTER TABLE tasks
  DROP CONSTRAINT tasks_split_covers_test_set,
  DROP CONSTRAINT tasks_labels_match_size,
  DROP CONSTRAINT tasks_ceiling_above_weak,
  DROP COLUMN updated_at,
  DROP COLUMN accuracy_detail,
  DROP COLUMN seeds,
  DROP COLUMN label_store_sha256,
  DROP COLUMN source_task;
