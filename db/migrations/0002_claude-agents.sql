-- Up Migration
-- What Claude researchers need beyond the initial record: each agent's notebook (its memory across
-- a week-long campaign), the completed model turns (so a retried activity returns the first
-- answer instead of calling the model again), and which request and step each ledger row paid for.

-- One entry per note, analysis or folded summary an agent wrote; the newest summary plus the
-- entries after it are what the agent reads, so the prompt stays bounded however long it runs.
CREATE TABLE agent_notebook_entries (
  id              bigserial PRIMARY KEY,
  campaign_id     text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  agent_id        text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('note', 'analysis', 'summary')),
  body            text NOT NULL CHECK (length(body) <= 20000),
  -- For a summary: the last entry id it folds in (everything up to it is summarised).
  covers_through  bigint,
  idempotency_key text UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (campaign_id, agent_id) REFERENCES agents (campaign_id, id) ON DELETE CASCADE
);
CREATE INDEX agent_notebook_entries_agent_idx ON agent_notebook_entries (campaign_id, agent_id, id);

-- The result of a finished propose or analyse turn, keyed by experiment and step.
CREATE TABLE agent_turns (
  experiment_id text NOT NULL,
  step          text NOT NULL CHECK (step IN ('propose', 'analyse')),
  campaign_id   text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  agent_id      text NOT NULL,
  result        jsonb NOT NULL,
  rounds        integer NOT NULL CHECK (rounds >= 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (experiment_id, step)
);

ALTER TABLE token_usage
  ADD COLUMN request_id    text,
  ADD COLUMN experiment_id text,
  ADD COLUMN step          text,
  ADD COLUMN purpose       text NOT NULL DEFAULT 'turn' CHECK (purpose IN ('turn', 'notebook'));

-- Down Migration
ALTER TABLE token_usage DROP COLUMN purpose, DROP COLUMN step, DROP COLUMN experiment_id, DROP COLUMN request_id;
DROP TABLE agent_turns;
DROP TABLE agent_notebook_entries;
