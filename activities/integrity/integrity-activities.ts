import { agentText } from '../../core/agent-view.js';
import {
  discrepancyFinding,
  type Finding,
  inputFeatures,
  majorityClassFinding,
  sandboxFinding,
  trivialFunctionFinding,
  weakCopyFinding,
} from '../../core/integrity.js';
import { argmaxRows } from '../../core/pgr.js';
import type { Pool } from '../../runtime/db.js';
import type { Logger } from '../../runtime/logger.js';
import type { EvalClient } from '../eval/eval-client.js';
import type { OrchestratorMetrics } from '../metrics.js';
import { evalOutage } from '../outages.js';
import { findExperiment } from '../store/experiments.js';
import { insertPost } from '../store/forum.js';
import { insertFlag } from '../store/integrity-flags.js';
import { campaignLadderStep } from '../store/receipts.js';
import { loadResultBundles } from '../store/runs.js';
import { readNpz } from './npz.js';

export interface IntegrityActivityDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly eval: EvalClient;
  readonly metrics: OrchestratorMetrics;
}

/** A finding about to become a flag, with the key that makes it happen once. */
interface Flagged {
  readonly key: string;
  readonly finding: Omit<Finding, 'kind'> & {
    readonly kind: string;
    readonly detail: Record<string, unknown>;
  };
}

/** Features of a task's test inputs, computed once per bundle digest. */
const featureCache = new Map<string, Record<string, Float64Array>>();

/**
 * The integrity checks every experiment goes through after its analysis: shortcut detection on its
 * predictions, the agent's stated numbers against what the eval server measured, and the eval
 * server's probe flags and violations for the agent. Each finding becomes a flag (once) and a
 * system reply next to the agent's claim on the forum. Nothing is dropped or hidden.
 */
export function createIntegrityActivities(deps: IntegrityActivityDeps) {
  async function testFeatures(taskId: string): Promise<Record<string, Float64Array> | null> {
    const { bytes, sha256 } = await deps.eval.taskBundle(taskId);
    const cached = featureCache.get(sha256);
    if (cached) return cached;
    const { test_x: testX } = readNpz(bytes, ['test_x']);
    if (testX === undefined || testX.shape.length !== 2) return null;
    const features = inputFeatures(testX.values, testX.shape[0]!);
    featureCache.set(sha256, features);
    return features;
  }

  async function findings(experimentId: string): Promise<Flagged[]> {
    const experiment = await findExperiment(deps.pool, experimentId);
    if (experiment === null) return [];
    const out: Flagged[] = [];
    const runs = await deps.pool.query<{ run_id: string }>(
      "SELECT run_id FROM results WHERE experiment_id = $1 AND status = 'succeeded' ORDER BY seed",
      [experimentId],
    );
    if (runs.rows.length > 0) {
      const bundles = await loadResultBundles(
        deps.pool,
        runs.rows.map((r) => r.run_id),
      );
      const classes = bundles.map((b) => Array.from(argmaxRows(b.predictions ?? [])));
      const numClasses = bundles[0]?.predictions?.[0]?.length ?? 2;
      const majority = majorityClassFinding(classes, numClasses);
      if (majority) out.push({ finding: majority, key: `${experimentId}:majority_class` });
      const weakCopy = weakCopyFinding(
        bundles.flatMap((b) => (b.weakAgreement === undefined ? [] : [b.weakAgreement])),
      );
      if (weakCopy) out.push({ finding: weakCopy, key: `${experimentId}:weak_copy` });
      const features = await testFeatures(
        experiment.spec && (experiment.spec as { task: string }).task,
      ).catch(() => null);
      const trivial = features && classes[0] ? trivialFunctionFinding(features, classes[0]) : null;
      if (trivial) out.push({ finding: trivial, key: `${experimentId}:trivial_function` });
    }
    // Sandbox events are recorded by failed runs too (a hook that probed, then crashed).
    const sandbox = await deps.pool.query<{ events: { event: string; detail: string }[] }>(
      "SELECT bundle->'sandboxEvents' AS events FROM results WHERE experiment_id = $1 AND bundle ? 'sandboxEvents'",
      [experimentId],
    );
    const escaped = sandboxFinding(sandbox.rows.flatMap((r) => r.events ?? []));
    if (escaped) out.push({ finding: escaped, key: `${experimentId}:sandbox` });
    const receipt = await deps.pool.query<{ reported: number; step: number }>(
      `SELECT (public_score->'reported'->>'reportedPgr')::float8 AS reported, (public_score->'reported'->>'step')::float8 AS step
       FROM eval_receipts WHERE experiment_id = $1`,
      [experimentId],
    );
    const scored = receipt.rows[0];
    if (scored) {
      // Only the experiment's own agent's posts are its claims: another agent cannot get it flagged.
      const posts = await deps.pool.query<{ body: string }>(
        `SELECT title || ' ' || body AS body FROM forum_posts
         WHERE author_kind = 'agent' AND author_id = $3 AND $1 = ANY(experiment_ids) AND campaign_id = $2`,
        [experimentId, experiment.campaignId, experiment.agentId],
      );
      const claims = [experiment.analysis ?? '', ...posts.rows.map((p) => p.body)].join('\n');
      const discrepancy = discrepancyFinding(claims, scored.reported, scored.step);
      if (discrepancy) out.push({ finding: discrepancy, key: `${experimentId}:discrepancy` });
    }
    return out;
  }

  return {
    async checkIntegrity(input: {
      campaignId: string;
      agentId: string;
      experimentId: string;
    }): Promise<{ newFlags: number }> {
      const found = await findings(input.experimentId);
      // An eval server that is down or refuses our token is waited out: the checks must run.
      const violations = await deps.eval
        .violations(input.campaignId, input.agentId)
        .catch((error: unknown) => {
          throw evalOutage(error);
        });
      for (const v of violations) {
        found.push({
          key: `eval-violation:${v.id}`,
          finding: {
            kind: `eval_${v.kind}`,
            severity: v.kind === 'budget_exhausted' ? 'warning' : 'critical',
            message:
              v.kind === 'probe'
                ? `the eval server flagged submission ${v.submissionId} as a probe: it differs from an earlier one in only a few predictions`
                : v.kind === 'no_eval'
                  ? `a submission was attempted for experiment ${v.experimentId}, which is marked no-eval`
                  : 'the agent ran past its submission budget',
            // The flag is the agent's (its experiment may not be in the record); the experiment it
            // concerns is kept here so that openCriticalFlags holds that experiment back.
            detail: {
              ...v.detail,
              violationId: v.id,
              ...(v.experimentId === null ? {} : { experimentId: v.experimentId }),
            },
          },
        });
      }
      let newFlags = 0;
      const ladderStep = await campaignLadderStep(deps.pool, input.campaignId);
      for (const { finding, key } of found) {
        const experimentId = key.startsWith('eval-violation:') ? null : input.experimentId;
        const flag = await insertFlag(deps.pool, {
          campaignId: input.campaignId,
          experimentId,
          agentId: input.agentId,
          kind: finding.kind,
          severity: finding.severity,
          message: finding.message,
          detail: finding.detail,
          dedupeKey: key,
        });
        if (flag === null) continue;
        newFlags += 1;
        deps.metrics.integrityFlags.inc({ kind: finding.kind });
        const claim = await deps.pool.query<{ id: string }>(
          'SELECT id FROM forum_posts WHERE idempotency_key = $1',
          [`${input.experimentId}:analysis`],
        );
        await insertPost(deps.pool, {
          campaignId: input.campaignId,
          parentId: claim.rows[0] ? Number(claim.rows[0].id) : null,
          authorKind: 'system',
          authorId: 'integrity',
          kind: 'finding',
          title: `Integrity flag (${finding.severity}): ${finding.kind.replaceAll('_', ' ')}`,
          // Agents read the forum: the message goes through the agent view (flags keep it whole).
          body: agentText(finding.message, ladderStep),
          experimentIds: experimentId ? [experimentId] : [],
          idempotencyKey: `flag:${key}`,
        });
      }
      if (newFlags > 0)
        deps.logger.warn({ experimentId: input.experimentId, newFlags }, 'integrity flags raised');
      return { newFlags };
    },
  };
}
