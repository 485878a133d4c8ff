import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.js';

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hash of a link: sha256 over the previous hash, a newline and the canonical entry. */
export function linkHash(prevHash: string, entry: unknown): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalJson(entry)}`, 'utf8')
    .digest('hex');
}

/** One stored link of the chain. */
export interface StoredLink {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly entry: unknown;
}

/**
 * Why `link` does not follow `previous` (the link before it, or the genesis), or null when it
 * does: its sequence number must be the next one, its `prevHash` the previous hash, its entry
 * must carry its own sequence number, and its hash must be recomputable.
 */
export function brokenLinkReason(previous: { seq: number; hash: string }, link: StoredLink): string | null {
  if (link.seq !== previous.seq + 1) {
    return `entries ${previous.seq + 1} to ${link.seq - 1} are missing (the sequence jumps from ${previous.seq} to ${link.seq})`;
  }
  if (link.prevHash !== previous.hash) return 'prev_hash does not match the hash of the entry before';
  const entrySeq = (link.entry as { seq?: unknown } | null)?.seq;
  if (entrySeq !== link.seq) return 'the entry does not carry its own sequence number';
  if (linkHash(link.prevHash, link.entry) !== link.hash) return 'the entry does not match its hash';
  return null;
}
