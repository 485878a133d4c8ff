import { ApplicationFailure } from '@temporalio/activity';
import type { ComparisonResult } from '../../core/api/eval/comparisons.js';
import type { AdminSubmission, SubmissionReceipt } from '../../core/api/eval/submissions.js';
import type { ViolationList } from '../../core/api/eval/violations.js';
import type { ReportedScore } from '../../workflows/definitions.js';
import type { EvalClient } from './eval-client.js';

/** Error codes of the eval server after which retrying the same request cannot succeed. */
const FINAL_CODES = new Set([
  'invalid_request',
  'invalid_predictions',
  'campaign_budget_exhausted',
  'idempotency_conflict',
  'no_eval_violation',
  'experiment_not_found',
  'experiment_conflict',
  'task_not_found',
  'task_expired',
  'forbidden',
  'unauthorized',
]);

/**
 * The eval server over HTTP with the admin token; agent-scoped calls add `x-aar-act-as`, so the
 * server applies that agent's budget, ownership checks and Ladder view. No agent token is stored
 * anywhere outside the eval server.
 */
export function createHttpEvalClient(baseUrl: string, adminToken: string, timeoutMs = 60_000): EvalClient {
  async function call(
    method: string,
    path: string,
    options: { body?: unknown; actAs?: { campaignId: string; agentId: string } } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${adminToken}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.actAs) headers['x-aar-act-as'] = `${options.actAs.campaignId}/${options.actAs.agentId}`;
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.ok) return response;
    const text = await response.text();
    let code = 'http_error';
    let message = text.slice(0, 500);
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
      code = parsed.error?.code ?? code;
      message = parsed.error?.message ?? message;
    } catch {
      // Not JSON: keep the text.
    }
    const what = `eval server ${method} ${path.split('?')[0]} answered ${response.status} ${code}: ${message}`;
    const retryAfter = response.headers.get('retry-after');
    if (response.status === 429 && retryAfter !== null) {
      // The hourly budget: waiting helps, so retry exactly when the server says.
      throw ApplicationFailure.create({
        message: what,
        type: 'EvalRateLimited',
        nextRetryDelay: `${Number(retryAfter)}s`,
      });
    }
    if (
      FINAL_CODES.has(code) ||
      (response.status >= 400 && response.status < 500 && response.status !== 408)
    ) {
      throw ApplicationFailure.nonRetryable(what, `Eval_${code}`);
    }
    throw new Error(what);
  }

  return {
    async registerExperiment(input) {
      const { experimentId, ...body } = input;
      await call('PUT', `/v1/admin/experiments/${encodeURIComponent(experimentId)}`, { body });
    },
    async submit(as, body): Promise<ReportedScore> {
      const response = await call('POST', '/v1/submissions', { body, actAs: as });
      return toReportedScore((await response.json()) as SubmissionReceipt);
    },
    async publicScore(submissionId) {
      const response = await call('GET', `/v1/admin/submissions/${encodeURIComponent(submissionId)}`);
      const full = (await response.json()) as Partial<AdminSubmission>;
      return full.public ?? null;
    },
    async compare(request) {
      const response = await call('POST', '/v1/admin/comparisons', { body: request });
      return (await response.json()) as ComparisonResult;
    },
    async violations(campaignId, agentId) {
      const query = new URLSearchParams({ campaignId, agentId });
      const response = await call('GET', `/v1/admin/violations?${query}`);
      return ((await response.json()) as ViolationList).violations;
    },
    async taskBundle(taskId) {
      const response = await call('GET', `/v1/tasks/${encodeURIComponent(taskId)}/bundle`);
      const sha256 = response.headers.get('x-bundle-sha256') ?? '';
      return { bytes: Buffer.from(await response.arrayBuffer()), sha256 };
    },
  };
}

/** Keeps what the workflow needs of the eval server's receipt (the agent's Ladder view). */
function toReportedScore(receipt: SubmissionReceipt): ReportedScore {
  const { submissionId, reportedPgr, improved, step } = receipt;
  return { submissionId, reportedPgr, improved, step };
}
