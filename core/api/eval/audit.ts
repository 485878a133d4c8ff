import { type Static, Type } from 'typebox';
import { Sha256Hex } from './common.js';

/** `GET /v1/admin/audit/verify`: the hash chain recomputed from the genesis, and its first broken link. */
export const AuditVerification = Type.Object({
  ok: Type.Boolean(),
  /** Entries read. */
  entries: Type.Integer(),
  headSeq: Type.Integer(),
  headHash: Type.String(),
  /** Sequence number of the first entry that does not link, or the first missing one. */
  firstBrokenSeq: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
});
export type AuditVerification = Static<typeof AuditVerification>;

/** One entry of the audit log with its link: the hash of the entry before and its own. */
export const AuditLink = Type.Object({
  seq: Type.Integer(),
  prevHash: Sha256Hex,
  hash: Sha256Hex,
  entry: Type.Unknown(),
});
export type AuditLink = Static<typeof AuditLink>;

/** `GET /v1/admin/audit`: entries after a sequence number, oldest first. */
export const AuditEntries = Type.Object({ entries: Type.Array(AuditLink) });
export type AuditEntries = Static<typeof AuditEntries>;
