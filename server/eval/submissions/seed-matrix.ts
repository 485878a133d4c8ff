/**
 * One seed's probabilities as two typed arrays instead of an array per row: row r is
 * `values[offsets[r] .. offsets[r + 1])`. Rows keep their own lengths, so a ragged submission is
 * represented as sent and validated as before. Typed arrays cross to a worker thread and back at
 * the cost of a copy (or none, transferred), where nested arrays would be cloned value by value.
 */
export interface SeedMatrix {
  readonly seed: number;
  /** `rows + 1` offsets into `values`; `offsets[0]` is 0. */
  readonly offsets: Int32Array;
  readonly values: Float64Array;
}

/** The matrix of one seed's rows, as the JSON body holds them. */
export function toSeedMatrix(seed: number, rows: readonly (readonly number[])[]): SeedMatrix {
  const offsets = new Int32Array(rows.length + 1);
  let total = 0;
  for (let r = 0; r < rows.length; r++) {
    total += rows[r]!.length;
    offsets[r + 1] = total;
  }
  const values = new Float64Array(total);
  let i = 0;
  for (const row of rows) for (let c = 0; c < row.length; c++) values[i++] = row[c]!;
  return { seed, offsets, values };
}

/** Rows of a matrix. */
export function rowCount(matrix: SeedMatrix): number {
  return matrix.offsets.length - 1;
}

/** Length of row r. */
export function rowLength(matrix: SeedMatrix, r: number): number {
  return matrix.offsets[r + 1]! - matrix.offsets[r]!;
}
