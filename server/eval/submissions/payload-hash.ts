import { createHash } from 'node:crypto';
import type { SubmissionSeed } from './schemas.js';

/**
 * sha256 of what a submission says: its experiment and every seed's probabilities as float64.
 * Two bodies with the same numbers hash alike however their JSON was formatted; an idempotency
 * key reused with other numbers is detected by a different hash.
 */
export function payloadSha256(experimentId: string, seeds: readonly SubmissionSeed[]): string {
  const hash = createHash('sha256').update(`${experimentId}\n`);
  for (const { seed, probabilities } of seeds) {
    const columns = probabilities[0]?.length ?? 0;
    hash.update(`seed ${seed} ${probabilities.length}x${columns}\n`);
    const values = new Float64Array(probabilities.length * columns);
    let i = 0;
    for (const row of probabilities) for (let c = 0; c < columns; c++) values[i++] = row[c] ?? Number.NaN;
    hash.update(new Uint8Array(values.buffer));
  }
  return hash.digest('hex');
}
