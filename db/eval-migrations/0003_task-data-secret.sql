-- Up Migration
-- The data secret of a generated task (label store version 2): the 32 bytes, in hex, that every
-- random stream of its data was drawn from. Kept beside the test labels, for the same readers
-- (an operator re-preparing identical bytes); no query that feeds a response selects it.
-- NULL for tasks loaded from version 1 label stores and for imported text tasks.

ALTER TABLE tasks
  ADD COLUMN data_secret text CHECK (data_secret ~ '^[0-9a-f]{64}$');

-- Down Migration
ALTER TABLE tasks DROP COLUMN data_secret;
