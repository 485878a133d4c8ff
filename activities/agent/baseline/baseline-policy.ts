import { bestByLadder } from '../../../core/agent-view.js';
import { createRng, seedFrom } from '../../../core/random.js';
import type {
  AnalyseContext,
  Analysis,
  KnownExperiment,
  Proposal,
  ProposeContext,
  ResearcherPolicy,
} from '../policy.js';
import { mutate, randomPoint } from './moves.js';
import {
  canonical,
  describePoint,
  FOCI,
  type Focus,
  focusOf,
  type MethodPoint,
  methodOf,
  naivePoint,
  startingPoint,
} from './search-space.js';

/** The trainer's default training settings for the naive point (see trainer/README.md). */
export interface BaselineDefaults {
  readonly epochs: number;
  readonly learningRate: number;
  readonly batchSize: number;
}

/**
 * The offline, seeded baseline researcher: a (1+1) evolution strategy over the trainer's method
 * space with decaying exploration. It starts in its own direction, climbs from the best
 * configuration known to it (its own or one another agent shared on the forum), never repeats a
 * configuration, and states measured numbers in its analyses. Same seed and same record → same
 * proposal, so it is the control group for Claude agents.
 */
export function createBaselinePolicy(defaults: BaselineDefaults): ResearcherPolicy {
  return {
    async propose(ctx) {
      return proposeNext(ctx, defaults);
    },
    async analyse(ctx) {
      return writeAnalysis(ctx);
    },
  };
}

function agentFocus(ctx: ProposeContext): Focus {
  const fromMessages = [...ctx.operatorMessages]
    .reverse()
    .map((m) => focusOf(m.text))
    .find((f) => f !== null);
  const fromDirection = focusOf(ctx.direction);
  // Agents with no stated direction spread over the foci by their id, so a campaign covers the space.
  return fromMessages ?? fromDirection ?? FOCI[seedFrom(ctx.agentId) % FOCI.length]!;
}

/** The best by Ladder-reported PGR, ties by experiment id (core/agent-view.ts). */
const bestOf = (experiments: readonly KnownExperiment[]) => bestByLadder(experiments);

export function proposeNext(ctx: ProposeContext, defaults: BaselineDefaults): Proposal {
  const rng = createRng(seedFrom(ctx.seed, ctx.agentId, ctx.seq));
  const focus = agentFocus(ctx);
  const naive = naivePoint(ctx.taskId, defaults);
  const tried = new Set([...ctx.own, ...ctx.shared].map((e) => canonical(e.spec)));
  const steer =
    ctx.operatorMessages.length > 0
      ? ` Operator asked: "${ctx.operatorMessages.at(-1)!.text.slice(0, 200)}".`
      : '';

  if (ctx.own.length === 0) {
    const point = startingPoint(naive, focus);
    return {
      hypothesis: `Starting direction ${focus}: ${describePoint(point)}. Measures where my direction stands against naive weak-to-strong training.${steer}`,
      spec: point,
    };
  }

  const ownBest = bestOf(ctx.own);
  const sharedBest = bestOf(ctx.shared);
  const incumbent =
    sharedBest && (ownBest === undefined || sharedBest.reportedPgr! > ownBest.reportedPgr!)
      ? sharedBest
      : ownBest;
  // Only the allow-listed method fields are taken, never another agent's hook, model or resources.
  const from = methodOf(incumbent?.spec, ctx.taskId) ?? startingPoint(naive, focus);
  const exploreProbability = Math.max(0.15, 0.5 * 0.8 ** ctx.own.length);

  for (let tries = 0; tries < 30; tries++) {
    const explore = rng() < exploreProbability;
    const move = explore ? randomPoint(from, rng, focus) : mutate(from, rng, focus);
    const point: MethodPoint = { ...move.point, task: ctx.taskId };
    if (tried.has(canonical(point))) continue;
    const source =
      incumbent === undefined
        ? 'my starting point (nothing scored yet)'
        : `${incumbent.agentId === ctx.agentId ? 'my best' : `${incumbent.agentId}'s best (from the forum)`} ${incumbent.experimentId}, PGR ${incumbent.reportedPgr!.toFixed(2)}`;
    return {
      hypothesis: `${explore ? 'Exploring' : 'Refining'} from ${source}: ${move.change}. Expect ${explore ? 'to learn whether this region of the method space is better' : 'a higher PGR if this dimension still limits the student'}.${steer}`,
      spec: point,
    };
  }
  // Everything nearby was tried: jump to a random point of the whole space.
  const jump = randomPoint(naive, rng, 'tuning');
  return {
    hypothesis: `Neighbourhood exhausted; restarting at ${describePoint(jump.point)}.${steer}`,
    spec: { ...jump.point, task: ctx.taskId },
  };
}

export function writeAnalysis(ctx: AnalyseContext): Analysis {
  const method = describePoint(ctx.spec as MethodPoint);
  const weak =
    ctx.weakValAccuracies.length > 0
      ? ` Mean accuracy against weak labels on the held-out weak split: ${(100 * mean(ctx.weakValAccuracies)).toFixed(1)} % over ${ctx.weakValAccuracies.length} seeds.`
      : '';
  if (ctx.reportedPgr === undefined) {
    const summary = `${ctx.experimentId} (${method}) ended ${ctx.status}: ${ctx.reason ?? 'no score'}.${weak} Nothing to conclude about PGR; I will avoid this configuration.`;
    return {
      summary,
      post: { kind: 'finding', title: `${ctx.status}: ${method}`.slice(0, 300), body: summary },
    };
  }
  const pgr = ctx.reportedPgr.toFixed(2);
  const versus =
    ctx.bestBefore === null
      ? 'my first scored experiment'
      : ctx.reportedPgr > ctx.bestBefore.pgr
        ? `better than my previous best ${ctx.bestBefore.pgr.toFixed(2)} (${ctx.bestBefore.experimentId}): hypothesis supported`
        : `not better than my best ${ctx.bestBefore.pgr.toFixed(2)} (${ctx.bestBefore.experimentId}): hypothesis not supported`;
  const summary = `${ctx.experimentId} (${method}): reported public PGR ${pgr} (Ladder step ${ctx.step ?? '?'}${ctx.improved ? ', a new best on the Ladder' : ''}); ${versus}.${weak}`;
  return { summary, post: { kind: 'result', title: `PGR ${pgr}: ${method}`.slice(0, 300), body: summary } };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
