import type { Queryable } from '../../../runtime/db.js';

/**
 * Finished turns, keyed by experiment and step: a retried activity whose first attempt finished the
 * turn (and then lost its answer) gets the same answer back instead of a new, paid conversation.
 */
export async function findTurn<T>(
  pool: Queryable,
  experimentId: string,
  step: 'propose' | 'analyse',
): Promise<T | null> {
  const { rows } = await pool.query<{ result: T }>(
    'SELECT result FROM agent_turns WHERE experiment_id = $1 AND step = $2',
    [experimentId, step],
  );
  return rows[0]?.result ?? null;
}

/** Stores a finished turn's result; the first one stored stands, and is what this returns. */
export async function saveTurn<T>(
  pool: Queryable,
  turn: {
    experimentId: string;
    step: 'propose' | 'analyse';
    campaignId: string;
    agentId: string;
    rounds: number;
    result: T;
  },
): Promise<T> {
  await pool.query(
    `INSERT INTO agent_turns (experiment_id, step, campaign_id, agent_id, result, rounds) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (experiment_id, step) DO NOTHING`,
    [turn.experimentId, turn.step, turn.campaignId, turn.agentId, JSON.stringify(turn.result), turn.rounds],
  );
  return (await findTurn<T>(pool, turn.experimentId, turn.step)) ?? turn.result;
}
