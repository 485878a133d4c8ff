import { createHash } from 'node:crypto';
import type { SubmissionSeed } from '../../../core/api/eval/submissions.js';
import { rowCount, rowLength, type SeedMatrix, toSeedMatrix } from './seed-matrix.js';

/**
 * sha256 of what a submission says: its experiment and every seed's probabilities as float64.
 * Two bodies with the same numbers hash alike however their JSON was formatted; an idempotency
 * key reused with other numbers is detected by a different hash.
 */
export function payloadSha256(experimentId: string, seeds: readonly SubmissionSeed[]): string {
  return matrixPayloadSha256(
    experimentId,
    seeds.map((s) => toSeedMatrix(s.seed, s.probabilities)),
  );
}

/**
 * `payloadSha256` of the same seeds held as matrices: the same bytes, so the same hash. Each seed
 * is hashed as a rows × columns block, columns being the first row's length; shorter rows are
 * padded with NaN and longer ones cut (such payloads fail validation, but still hash stably).
 */
export function matrixPayloadSha256(experimentId: string, seeds: readonly SeedMatrix[]): string {
  const hash = createHash('sha256').update(`${experimentId}\n`);
  for (const matrix of seeds) {
    const rows = rowCount(matrix);
    const columns = rows > 0 ? rowLength(matrix, 0) : 0;
    hash.update(`seed ${matrix.seed} ${rows}x${columns}\n`);
    if (matrix.values.length === rows * columns && isRectangular(matrix, columns)) {
      hash.update(new Uint8Array(matrix.values.buffer, matrix.values.byteOffset, matrix.values.byteLength));
      continue;
    }
    const block = new Float64Array(rows * columns);
    for (let r = 0; r < rows; r++) {
      const start = matrix.offsets[r]!;
      const length = rowLength(matrix, r);
      for (let c = 0; c < columns; c++)
        block[r * columns + c] = c < length ? matrix.values[start + c]! : Number.NaN;
    }
    hash.update(new Uint8Array(block.buffer));
  }
  return hash.digest('hex');
}

function isRectangular(matrix: SeedMatrix, columns: number): boolean {
  for (let r = 0; r < rowCount(matrix); r++) if (rowLength(matrix, r) !== columns) return false;
  return true;
}
