-- Up Migration
-- The promotion gate: a claim becomes accepted only after it replicates on fresh seeds, on the
-- private half and on a held-out task, and a human signs it off. Integrity flags sit next to claims.

-- Promotion arms (the candidate, the naive baseline and the previous best re-run on fresh seeds)
-- are experiments of kind 'promotion': they own their runs and results like any experiment, but
-- no agent proposed them, they are never submitted to the public leaderboard, and agents never see them.
ALTER TABLE experiments
  ADD COLUMN kind text NOT NULL DEFAULT 'research' CHECK (kind IN ('research', 'promotion')),
  ADD COLUMN promotion_id text;
ALTER TABLE experiments DROP CONSTRAINT experiments_campaign_id_agent_id_seq_key;
CREATE UNIQUE INDEX experiments_research_seq_idx ON experiments (campaign_id, agent_id, seq) WHERE kind = 'research';

CREATE TABLE promotions (
  id                text PRIMARY KEY,
  campaign_id       text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  experiment_id     text NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  trigger           text NOT NULL CHECK (trigger IN ('auto', 'operator')),
  requested_by      text NOT NULL,
  status            text NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'verified', 'not_significant', 'failed_transfer', 'failed', 'accepted', 'rejected')),
  candidate_number  integer NOT NULL CHECK (candidate_number >= 1),
  fresh_seeds       integer[] NOT NULL,
  numbers           jsonb,
  reason            text,
  signed_off_by     text,
  sign_off_reason   text,
  signed_off_at     timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz
);
CREATE INDEX promotions_campaign_idx ON promotions (campaign_id, created_at);

CREATE TABLE integrity_flags (
  id             bigserial PRIMARY KEY,
  campaign_id    text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  experiment_id  text REFERENCES experiments (id) ON DELETE CASCADE,
  agent_id       text,
  kind           text NOT NULL,
  severity       text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  message        text NOT NULL,
  detail         jsonb NOT NULL DEFAULT '{}'::jsonb,
  dedupe_key     text NOT NULL UNIQUE,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX integrity_flags_campaign_idx ON integrity_flags (campaign_id, created_at);

-- Down Migration
DROP TABLE integrity_flags;
DROP TABLE promotions;
DROP INDEX experiments_research_seq_idx;
ALTER TABLE experiments ADD CONSTRAINT experiments_campaign_id_agent_id_seq_key UNIQUE (campaign_id, agent_id, seq);
ALTER TABLE experiments DROP COLUMN promotion_id, DROP COLUMN kind;
