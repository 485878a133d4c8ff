import { type Static, Type } from 'typebox';

/**
 * A promotion: an experiment put through the gate (fresh seeds, private half, held-out task), its
 * verdict and sign-off. `numbers` holds what the gate measured (`PromotionNumbers` in
 * workflows/definitions.ts), null until measured.
 */
export const Promotion = Type.Object({
  id: Type.String(),
  campaignId: Type.String(),
  experimentId: Type.String(),
  trigger: Type.String(),
  requestedBy: Type.String(),
  state: Type.String(),
  candidateNumber: Type.Integer(),
  freshSeeds: Type.Array(Type.Integer()),
  numbers: Type.Unknown(),
  reason: Type.Union([Type.String(), Type.Null()]),
  signedOffBy: Type.Union([Type.String(), Type.Null()]),
  signOffReason: Type.Union([Type.String(), Type.Null()]),
  signedOffAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});
export type Promotion = Static<typeof Promotion>;

/** `GET /v1/campaigns/:campaignId/promotions`. */
export const PromotionList = Type.Object({ promotions: Type.Array(Promotion) });
export type PromotionList = Static<typeof PromotionList>;

/** `POST /v1/experiments/:experimentId/promote`: the promotion started and its workflow. */
export const PromotionStarted = Type.Object({ promotionId: Type.String(), workflowId: Type.String() });
export type PromotionStarted = Static<typeof PromotionStarted>;
