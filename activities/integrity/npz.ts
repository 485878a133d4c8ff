import { inflateRawSync } from 'node:zlib';

/** A numeric array read from a `.npy` entry: its shape and its values as float64. */
export interface NpyArray {
  readonly shape: readonly number[];
  readonly values: Float64Array;
}

const DTYPES: Record<
  string,
  { bytes: number; read: (view: DataView, offset: number, little: boolean) => number }
> = {
  f4: { bytes: 4, read: (v, o, l) => v.getFloat32(o, l) },
  f8: { bytes: 8, read: (v, o, l) => v.getFloat64(o, l) },
  i2: { bytes: 2, read: (v, o, l) => v.getInt16(o, l) },
  i4: { bytes: 4, read: (v, o, l) => v.getInt32(o, l) },
  i8: { bytes: 8, read: (v, o, l) => Number(v.getBigInt64(o, l)) },
  u1: { bytes: 1, read: (v, o) => v.getUint8(o) },
  i1: { bytes: 1, read: (v, o) => v.getInt8(o) },
};

/** Parses one `.npy` file (format 1.0–3.0, C order, numeric dtypes only; never pickles). */
export function parseNpy(bytes: Buffer): NpyArray {
  if (bytes.readUInt32BE(0) !== 0x934e554d || bytes.toString('latin1', 4, 6) !== 'PY')
    throw new Error('not an .npy file');
  const major = bytes[6]!;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLength);
  const descr = /'descr':\s*'([<>|=])(\w\d)'/.exec(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (descr === null || shapeText === null)
    throw new Error(`unsupported .npy header: ${header.slice(0, 80)}`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error('Fortran-ordered arrays are not supported');
  const dtype = DTYPES[descr[2]!];
  if (dtype === undefined) throw new Error(`unsupported dtype ${descr[2]}`);
  const little = descr[1] !== '>';
  const shape = shapeText[1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLength;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * dtype.bytes);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = dtype.read(view, i * dtype.bytes, little);
  return { shape, values };
}

/**
 * Reads the named `.npy` entries of an `.npz` archive (a zip, stored or deflated), by walking the
 * central directory. Entries not asked for are not decoded.
 */
export function readNpz(bytes: Buffer, names: readonly string[]): Record<string, NpyArray> {
  let end = bytes.length - 22;
  while (end >= 0 && bytes.readUInt32LE(end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error('not a zip archive');
  const entries = bytes.readUInt16LE(end + 10);
  let cursor = bytes.readUInt32LE(end + 16);
  const wanted = new Set(names.map((n) => `${n}.npy`));
  const out: Record<string, NpyArray> = {};
  for (let e = 0; e < entries; e++) {
    if (bytes.readUInt32LE(cursor) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = bytes.readUInt16LE(cursor + 10);
    const compressed = bytes.readUInt32LE(cursor + 20);
    const nameLength = bytes.readUInt16LE(cursor + 28);
    const extraLength = bytes.readUInt16LE(cursor + 30);
    const commentLength = bytes.readUInt16LE(cursor + 32);
    const local = bytes.readUInt32LE(cursor + 42);
    const name = bytes.toString('utf8', cursor + 46, cursor + 46 + nameLength);
    cursor += 46 + nameLength + extraLength + commentLength;
    if (!wanted.has(name)) continue;
    const dataStart = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const raw = bytes.subarray(dataStart, dataStart + compressed);
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : null;
    if (data === null) throw new Error(`unsupported zip compression ${method} for ${name}`);
    out[name.replace(/\.npy$/, '')] = parseNpy(data);
  }
  return out;
}
