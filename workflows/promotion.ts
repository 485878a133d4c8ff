import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/types.js';
import { decideVerdict } from '../core/promotion-verdict.js';
import {
  type PromotionInput,
  type PromotionStatus,
  promotionStatusQuery,
  runIdOf,
  signOffUpdate,
} from './definitions.js';
import { dispatchActivities, runSeed } from './seed-runs.js';

const store = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    backoffCoefficient: 2,
    maximumAttempts: 20,
  },
});

/**
 * The promotion gate for one candidate experiment. Re-runs the candidate, the naive baseline and
 * the previous best on fresh seeds the agent never used, and the candidate and naive baseline on
 * the held-out task; the eval server compares them on the private half (and the held-out task) by
 * a paired bootstrap; the verdict corrects for every candidate tested in the campaign. A verified
 * result waits for a human sign-off (an update carrying the operator and a reason) to become
 * accepted. Everything is recorded.
 */
export async function promotionWorkflow(input: PromotionInput): Promise<PromotionStatus> {
  const promotionId = workflowInfo().workflowId;
  let status: PromotionStatus = {
    promotionId,
    experimentId: input.experimentId,
    state: 'running',
    reason: null,
    numbers: null,
    signedOffBy: null,
  };
  setHandler(promotionStatusQuery, () => status);
  setHandler(
    signOffUpdate,
    async (signOff) => {
      status = await store.recordPromotionSignOff({ promotionId, ...signOff });
      return status;
    },
    {
      validator: (signOff) => {
        if (status.state !== 'verified') {
          throw new Error(
            `promotion ${promotionId} is ${status.state}: only a verified result can be signed off`,
          );
        }
        if (!/^[\w.@-]{1,100}$/.test(signOff.operator))
          throw new Error('operator: give your name (letters, digits, . @ - _)');
        if (signOff.reason.trim().length < 3) throw new Error('reason: say why, in a few words');
      },
    },
  );

  const plan = await store.planPromotion({ ...input, promotionId });
  const dispatch = dispatchActivities();
  const runs = await Promise.all(
    plan.arms.map(async (arm) => ({
      arm,
      seeds: await Promise.all(
        plan.seeds.map((seed) =>
          runSeed(
            {
              experimentId: arm.experimentId,
              taskId: arm.taskId,
              spec: arm.spec,
              executor: input.executor,
              maxRunAttempts: input.maxRunAttempts,
              ...(input.maxRunWallSeconds ? { maxRunWallSeconds: input.maxRunWallSeconds } : {}),
            },
            seed,
            dispatch,
          ),
        ),
      ),
    })),
  );
  const failed = runs.flatMap(({ arm, seeds }) =>
    seeds.filter((s) => s.summary.status === 'failed').map((s) => `${arm.name} seed ${s.summary.seed}`),
  );
  if (failed.length > 0) {
    status = await store.recordPromotionVerdict({
      promotionId,
      state: 'failed',
      reason: `runs failed, so nothing can be concluded: ${failed.join(', ')}`,
      numbers: null,
    });
    return status;
  }
  const runIds = Object.fromEntries(
    runs.map(({ arm, seeds }) => [
      arm.name,
      seeds.map((s) => runIdOf(arm.experimentId, s.summary.seed, s.summary.attempts)),
    ]),
  );
  const numbers = await store.comparePromotionArms({ plan, runIds });
  const { verdict, reason } = decideVerdict({
    threshold: numbers.threshold,
    alpha: input.alpha,
    candidatesTested: numbers.candidateNumber,
    vsNaive: numbers.private.vsNaive,
    ...(numbers.private.vsBest ? { vsBest: numbers.private.vsBest } : {}),
    ...(numbers.heldOut ? { heldOutVsNaive: numbers.heldOut.vsNaive } : {}),
  });
  status = await store.recordPromotionVerdict({ promotionId, state: verdict, reason, numbers });
  if (verdict !== 'verified') return status;
  await condition(() => status.state !== 'verified');
  return status;
}
