import { type Static, Type } from 'typebox';
import { OperatorIdentity } from '../operator-roles.js';

/** `GET /v1/operators`: every identity, revoked ones included (never a token). */
export const OperatorList = Type.Object({ operators: Type.Array(OperatorIdentity) });
export type OperatorList = Static<typeof OperatorList>;

/** An identity just minted or rotated, with its bearer token: the only answer that shows it. */
export const MintedOperator = Type.Object({
  ...OperatorIdentity.properties,
  token: Type.String({ description: 'The bearer token: shown only in this answer.' }),
});
export type MintedOperator = Static<typeof MintedOperator>;
