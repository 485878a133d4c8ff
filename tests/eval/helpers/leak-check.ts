import assert from 'node:assert/strict';
import type { EvalTestServer } from './eval-server.js';
import { findLabelRun } from './label-scan.js';

/**
 * Asserts that no response body the file's client received, and no log line the server wrote,
 * contains a run of the labels of `taskIds` (in test order, and in public and private order).
 */
export async function assertNoLabelLeak(server: EvalTestServer, taskIds: readonly string[]): Promise<void> {
  const sequences: number[][] = [];
  for (const taskId of taskIds) {
    const result = await server.db.pool.query<{
      test_labels: number[];
      public_indices: number[];
      private_indices: number[];
    }>('SELECT test_labels, public_indices, private_indices FROM tasks WHERE id = $1', [taskId]);
    const row = result.rows[0];
    assert.ok(row, `task ${taskId} is stored`);
    sequences.push(
      row.test_labels,
      row.public_indices.map((i) => row.test_labels[i]!),
      row.private_indices.map((i) => row.test_labels[i]!),
    );
  }
  assert.ok(server.client.bodies.length > 0, 'the file received responses');
  for (const [i, body] of server.client.bodies.entries()) {
    const run = findLabelRun(body, sequences);
    assert.equal(run, null, `response ${i} contains the label run ${run}`);
  }
  for (const line of server.logLines)
    assert.equal(findLabelRun(line, sequences), null, 'a log line holds labels');
}
