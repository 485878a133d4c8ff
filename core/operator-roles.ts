import { type Static, Type } from 'typebox';

/**
 * What an operator identity may do. Each role includes the ones before it:
 * - `viewer` reads campaigns, experiments, promotions, flags, the forum and the dashboard;
 * - `operator` also acts on campaigns: start, pause, resume, stop, cancel, budgets, messages,
 *   retries, resets, forum posts, starting a promotion;
 * - `approver` also signs promotions off and clears integrity flags;
 * - `admin` also mints, rotates and revokes operator identities.
 */
export const OPERATOR_ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
export const OperatorRole = Type.Union([
  Type.Literal('viewer'),
  Type.Literal('operator'),
  Type.Literal('approver'),
  Type.Literal('admin'),
]);
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** Whether `held` includes `needed` (roles are ordered: each includes the ones before it). */
export const roleAllows = (held: OperatorRole, needed: OperatorRole): boolean =>
  OPERATOR_ROLES.indexOf(held) >= OPERATOR_ROLES.indexOf(needed);

/** An operator's name as recorded on actions and sign-offs. */
export const OperatorName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$' });

/** An operator identity as the api shows it (never its token). */
export const OperatorIdentity = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: OperatorRole,
  configured: Type.Boolean({ description: 'The identity of AAR_OPERATOR_TOKEN: managed by configuration.' }),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  rotatedAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});
export type OperatorIdentity = Static<typeof OperatorIdentity>;

/** The name of the identity that `AAR_OPERATOR_TOKEN` authenticates as (an admin). */
export const CONFIGURED_OPERATOR_NAME = 'operator-token';
