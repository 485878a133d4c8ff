import type { Queryable } from '../shared/db.js';
import { isoOrNull } from '../shared/db.js';
import { findScoringKey, type ScoringKey } from './task-repository.js';

/**
 * Scoring keys (labels and split) kept in memory per task, so a submission does not re-read and
 * re-parse thousands of labels. Every use first reads the task's label-store hash and expiry (a
 * one-row query) and reloads when the hash changed, so a replaced task is never scored against
 * stale labels, even when another server process replaced it.
 */
export class ScoringKeyCache {
  readonly #keys = new Map<string, ScoringKey>();

  constructor(private readonly db: Queryable) {}

  /** The current scoring key of `taskId`, or null when there is no such task. */
  async get(taskId: string): Promise<ScoringKey | null> {
    const result = await this.db.query<{ label_store_sha256: string; expires_at: Date | null }>(
      'SELECT label_store_sha256, expires_at FROM tasks WHERE id = $1',
      [taskId],
    );
    const row = result.rows[0];
    if (row === undefined) {
      this.#keys.delete(taskId);
      return null;
    }
    const cached = this.#keys.get(taskId);
    if (cached !== undefined && cached.labelStoreSha256 === row.label_store_sha256) {
      return { ...cached, expiresAt: isoOrNull(row.expires_at) };
    }
    const key = await findScoringKey(this.db, taskId);
    if (key === null) return null;
    this.#keys.set(taskId, key);
    return key;
  }
}
