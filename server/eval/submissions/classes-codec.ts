/**
 * Predicted classes as stored bytes: one byte per row when the task has at most 256 classes,
 * else two (little-endian). The width follows from the task, so it is not stored.
 */
export function encodeClasses(classes: Uint16Array, numClasses: number): Buffer {
  if (numClasses <= 256) return Buffer.from(Uint8Array.from(classes));
  const bytes = Buffer.alloc(classes.length * 2);
  for (let i = 0; i < classes.length; i++) bytes.writeUInt16LE(classes[i]!, i * 2);
  return bytes;
}

/** The inverse of {@link encodeClasses}. */
export function decodeClasses(bytes: Buffer, numClasses: number): Uint16Array {
  if (numClasses <= 256) return Uint16Array.from(bytes);
  const classes = new Uint16Array(bytes.length / 2);
  for (let i = 0; i < classes.length; i++) classes[i] = bytes.readUInt16LE(i * 2);
  return classes;
}
