-- Up Migration
-- An experiment that trained but was not scored (marked no-eval, or refused for good by the eval
-- server) is 'unscored'; the first schema's check did not allow it.
ALTER TABLE experiments DROP CONSTRAINT experiments_status_check;
ALTER TABLE experiments ADD CONSTRAINT experiments_status_check
  CHECK (status IN ('proposed', 'running', 'scored', 'unscored', 'failed', 'invalid', 'cancelled'));

-- Down Migration
UPDATE experiments SET status = 'failed' WHERE status = 'unscored';
ALTER TABLE experiments DROP CONSTRAINT experiments_status_check;
ALTER TABLE experiments ADD CONSTRAINT experiments_status_check
  CHECK (status IN ('proposed', 'running', 'scored', 'failed', 'invalid', 'cancelled'));
