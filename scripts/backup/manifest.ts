import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Static, Type } from 'typebox';
import { Sha256Hex } from '../../core/api/eval/common.js';
import { parseWith } from '../../core/validation.js';

/** What `manifest.json` says its folder is; a restore refuses any other format. */
export const BACKUP_FORMAT = 'aar-backup/1';
export const MANIFEST_FILE = 'manifest.json';
export const AUDIT_HEAD_FILE = 'audit-head.json';

/** A file name inside the backup folder: no separator, so a manifest cannot point outside it. */
const FileName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });

export const FileDigest = Type.Object({ sha256: Sha256Hex, bytes: Type.Integer({ minimum: 0 }) });
export type FileDigest = Static<typeof FileDigest>;

/** One database as dumped: where it came from and what its snapshot held. */
export const DatabaseBackup = Type.Object({
  file: FileName,
  /** `role@host:port/database` of the source (never a password). */
  source: Type.String(),
  serverVersion: Type.String(),
  /** Applied migrations, in the order they ran (db/migrations or db/eval-migrations). */
  migrations: Type.Array(Type.String()),
  /** Rows of each table of schema public in the dump's snapshot. */
  rowCounts: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
});
export type DatabaseBackup = Static<typeof DatabaseBackup>;

export const TemporalBackup = Type.Union([
  Type.Object({
    included: Type.Literal(true),
    file: FileName,
    /** The dev server's SQLite file it was copied from. */
    source: Type.String(),
    cliVersion: Type.String(),
    sqliteVersion: Type.String(),
  }),
  Type.Object({ included: Type.Literal(false), reason: Type.String() }),
]);
export type TemporalBackup = Static<typeof TemporalBackup>;

/** `manifest.json`: what the folder holds, each file's sha256, and the versions that made it. */
export const Manifest = Type.Object({
  format: Type.Literal(BACKUP_FORMAT),
  createdAt: Type.String(),
  /** The AAR commit that made the backup (null outside a git checkout). */
  aarCommit: Type.Union([Type.String(), Type.Null()]),
  tools: Type.Record(Type.String(), Type.String()),
  databases: Type.Object({ record: DatabaseBackup, eval: DatabaseBackup }),
  temporal: TemporalBackup,
  files: Type.Record(FileName, FileDigest),
});
export type Manifest = Static<typeof Manifest>;

/** `audit-head.json`: the eval server's audit chain head as the eval dump holds it. */
export const AuditHead = Type.Object({
  seq: Type.Integer({ minimum: 0 }),
  hash: Sha256Hex,
  /** Entries recomputed from the genesis when the backup was taken, and whether they linked. */
  entries: Type.Integer({ minimum: 0 }),
  chainOk: Type.Boolean(),
  reason: Type.Union([Type.String(), Type.Null()]),
  takenAt: Type.String(),
  source: Type.String(),
});
export type AuditHead = Static<typeof AuditHead>;

/** sha256 and size of a file, read as a stream (dumps can be large). */
export async function fileDigest(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Reads and checks a JSON file of the backup folder against its schema. */
export function readBackupJson<T extends typeof Manifest | typeof AuditHead>(
  dir: string,
  file: string,
  schema: T,
): Static<T> {
  const path = join(dir, file);
  if (!existsSync(path)) throw new Error(`${path} is missing: this is not an AAR backup folder`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message})`);
  }
  return parseWith(schema, parsed, path);
}

/**
 * Every file the manifest lists, checked against its sha256 and size. Returns one line per file
 * that is missing or differs, naming it; empty when the folder is intact.
 */
export async function damagedFiles(dir: string, manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, expected] of Object.entries(manifest.files).sort(([a], [b]) => a.localeCompare(b))) {
    const path = join(dir, name);
    if (!existsSync(path)) {
      problems.push(`${name} is missing`);
      continue;
    }
    const found = await fileDigest(path);
    if (found.sha256 !== expected.sha256 || found.bytes !== expected.bytes) {
      problems.push(
        `${name} does not match manifest.json (sha256 ${found.sha256}, ${found.bytes} bytes; expected ${expected.sha256}, ${expected.bytes} bytes)`,
      );
    }
  }
  return problems;
}
