-- Up Migration
-- An open critical integrity flag holds its experiment back from promotion until an operator
-- clears it with a reason. Clearing never deletes the flag: it records who cleared it, when and
-- why (and the campaign's operator_actions keep the clearing as an event, action 'clear_flag').
ALTER TABLE integrity_flags
  ADD COLUMN cleared_at   timestamptz,
  ADD COLUMN cleared_by   text,
  ADD COLUMN clear_reason text,
  ADD CONSTRAINT integrity_flags_clearing_complete CHECK (
    (cleared_at IS NULL AND cleared_by IS NULL AND clear_reason IS NULL)
    OR (cleared_at IS NOT NULL AND cleared_by IS NOT NULL AND clear_reason IS NOT NULL)
  );
-- What the promotion gate asks before it starts and before a sign-off: the open critical flags of one experiment.
CREATE INDEX integrity_flags_open_critical_idx ON integrity_flags (experiment_id)
  WHERE severity = 'critical' AND cleared_at IS NULL;

-- Down Migration
DROP INDEX integrity_flags_open_critical_idx;
ALTER TABLE integrity_flags
  DROP CONSTRAINT integrity_flags_clearing_complete,
  DROP COLUMN clear_reason,
  DROP COLUMN cleared_by,
  DROP COLUMN cleared_at;
