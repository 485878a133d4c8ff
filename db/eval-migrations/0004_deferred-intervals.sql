-- Up Migration
-- Bootstrap intervals are computed after the receipt is sent (server/eval/scoring). A submission
-- is inserted with its exact scores and intervals_pending; one later update adds both halves'
-- intervals to public_score and private_score, clears the flag, and fills the interval of the
-- Ladder state the submission raised (NULL until then). A process that stops before that update
-- leaves the flag set, and the next one computes the same intervals (they are seeded by the
-- payload hash) at start-up or when they are read.

ALTER TABLE submissions ADD COLUMN intervals_pending boolean NOT NULL DEFAULT false;
CREATE INDEX submissions_intervals_pending ON submissions (created_at, id) WHERE intervals_pending;

ALTER TABLE ladder_states
  ALTER COLUMN interval_low DROP NOT NULL,
  ALTER COLUMN interval_high DROP NOT NULL,
  ADD CONSTRAINT ladder_states_interval_whole CHECK ((interval_low IS NULL) = (interval_high IS NULL));

-- Down Migration
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM submissions WHERE intervals_pending)
     OR EXISTS (SELECT 1 FROM ladder_states WHERE interval_low IS NULL) THEN
    RAISE EXCEPTION 'submissions still wait for their intervals: run the eval server until none does, then migrate down';
  END IF;
END
$$;

ALTER TABLE ladder_states
  DROP CONSTRAINT ladder_states_interval_whole,
  ALTER COLUMN interval_low SET NOT NULL,
  ALTER COLUMN interval_high SET NOT NULL;

DROP INDEX submissions_intervals_pending;
ALTER TABLE submissions DROP COLUMN intervals_pending;
