-- Up Migration
-- AAR's record: everything that is not workflow state. Test labels never live here; they are in
-- the eval server's own database (db/eval-migrations).

CREATE TABLE campaigns (
  id           text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  task_id      text NOT NULL,
  spec         jsonb NOT NULL,
  status       text NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'running', 'paused', 'completed', 'failed', 'cancelled')),
  workflow_id  text NOT NULL UNIQUE,
  summary      jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);

CREATE TABLE agents (
  campaign_id  text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  id           text NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  policy       text NOT NULL,
  direction    text NOT NULL DEFAULT '',
  settings     jsonb NOT NULL DEFAULT '{}'::jsonb,
  status       text NOT NULL DEFAULT 'pending',
  status_detail text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, id)
);

-- One row per proposed experiment. The id is deterministic (campaign, agent, sequence) so a
-- retried activity finds the row its first attempt wrote.
CREATE TABLE experiments (
  id             text PRIMARY KEY,
  campaign_id    text NOT NULL,
  agent_id       text NOT NULL,
  seq            integer NOT NULL CHECK (seq >= 0),
  hypothesis     text NOT NULL DEFAULT '',
  spec           jsonb NOT NULL,
  seeds          integer[] NOT NULL,
  no_eval        boolean NOT NULL DEFAULT false,
  status         text NOT NULL DEFAULT 'proposed'
                 CHECK (status IN ('proposed', 'running', 'scored', 'failed', 'invalid', 'cancelled')),
  failure_reason text,
  analysis       text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  FOREIGN KEY (campaign_id, agent_id) REFERENCES agents (campaign_id, id) ON DELETE CASCADE,
  UNIQUE (campaign_id, agent_id, seq)
);
CREATE INDEX experiments_campaign_idx ON experiments (campaign_id, created_at);

-- One row per (experiment, seed, attempt): what the executor launched and how it ended.
CREATE TABLE experiment_runs (
  id                text PRIMARY KEY,
  experiment_id     text NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  seed              integer NOT NULL,
  attempt           integer NOT NULL CHECK (attempt >= 1),
  executor          text NOT NULL,
  external_id       text,
  status            text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
  failure           jsonb,
  upload_token_hash text,
  launches          integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  finished_at       timestamptz,
  UNIQUE (experiment_id, seed, attempt)
);

-- The result bundle a trainer uploaded for one run (probabilities, curve, timings).
CREATE TABLE results (
  run_id         text PRIMARY KEY REFERENCES experiment_runs (id) ON DELETE CASCADE,
  experiment_id  text NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  seed           integer NOT NULL,
  status         text NOT NULL CHECK (status IN ('succeeded', 'failed')),
  bundle         jsonb NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX results_experiment_idx ON results (experiment_id);

-- The eval server's answer for an experiment, as the orchestrator received it (public numbers only).
CREATE TABLE eval_receipts (
  experiment_id  text PRIMARY KEY REFERENCES experiments (id) ON DELETE CASCADE,
  submission_id  text NOT NULL UNIQUE,
  public_score   jsonb NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE forum_posts (
  id              bigserial PRIMARY KEY,
  campaign_id     text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  parent_id       bigint REFERENCES forum_posts (id) ON DELETE CASCADE,
  author_kind     text NOT NULL CHECK (author_kind IN ('agent', 'operator', 'system')),
  author_id       text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('finding', 'result', 'question', 'message')),
  title           text NOT NULL DEFAULT '' CHECK (length(title) <= 300),
  body            text NOT NULL CHECK (length(body) <= 20000),
  experiment_ids  text[] NOT NULL DEFAULT '{}',
  idempotency_key text UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX forum_posts_campaign_idx ON forum_posts (campaign_id, created_at);

-- Every call to a model API: tokens and what they cost, per agent and campaign.
CREATE TABLE token_usage (
  id                 bigserial PRIMARY KEY,
  campaign_id        text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  agent_id           text NOT NULL,
  model              text NOT NULL,
  input_tokens       integer NOT NULL DEFAULT 0,
  output_tokens      integer NOT NULL DEFAULT 0,
  cache_read_tokens  integer NOT NULL DEFAULT 0,
  cache_write_tokens integer NOT NULL DEFAULT 0,
  cost_usd           numeric(14, 6) NOT NULL DEFAULT 0,
  idempotency_key    text UNIQUE,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX token_usage_agent_idx ON token_usage (campaign_id, agent_id);

-- Operator and system actions on campaigns (pause, resume, message, budget change, ...).
CREATE TABLE operator_actions (
  id           bigserial PRIMARY KEY,
  campaign_id  text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  agent_id     text,
  actor        text NOT NULL,
  action       text NOT NULL,
  detail       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE operator_actions;
DROP TABLE token_usage;
DROP TABLE forum_posts;
DROP TABLE eval_receipts;
DROP TABLE results;
DROP TABLE experiment_runs;
DROP TABLE experiments;
DROP TABLE agents;
DROP TABLE campaigns;
