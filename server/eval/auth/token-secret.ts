import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new bearer token for `role`: 256 random bits, shown to its holder once, stored only hashed. */
export function mintTokenSecret(role: 'agent' | 'run'): string {
  return `aar_eval_${role}_${randomBytes(32).toString('base64url')}`;
}

/** A new token id (public: appears in audit entries and admin listings). */
export function newTokenId(): string {
  return `tok_${randomBytes(12).toString('base64url')}`;
}

/**
 * The stored form of a token: its sha256. Tokens carry 256 random bits, so a fast hash is enough;
 * a stolen table gives no usable token.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two secrets in constant time (hashing first, so lengths never leak). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
