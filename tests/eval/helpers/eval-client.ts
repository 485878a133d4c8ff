import type { SyntheticTask } from './synthetic-task.js';

/** A response as tests see it. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body (undefined when it is not JSON). */
  readonly body: any;
}

export interface RequestOptions {
  /** Bearer token; `null` sends none; default: the admin token. */
  readonly token?: string | null;
  readonly actAs?: string;
  readonly json?: unknown;
  /** A raw body, sent as is with `contentType`. */
  readonly raw?: string;
  readonly contentType?: string;
}

/**
 * A fetch-based client over real HTTP that records every response body it receives, so a test
 * file can check that none of them contains the labels.
 */
export class EvalClient {
  /** Every response body received, as text (binary bodies as latin1). */
  readonly bodies: string[] = [];

  constructor(
    readonly url: string,
    readonly adminToken: string,
  ) {}

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? this.adminToken : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (options.actAs !== undefined) headers['x-aar-act-as'] = options.actAs;
    let body: string | undefined;
    if (options.raw !== undefined) {
      body = options.raw;
      headers['content-type'] = options.contentType ?? 'application/json';
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.url}${path}`, { method, headers, body });
    const bytes = Buffer.from(await response.arrayBuffer());
    const isJson = (response.headers.get('content-type') ?? '').includes('json');
    const text = isJson ? bytes.toString('utf8') : bytes.toString('latin1');
    this.bodies.push(text);
    let parsed: unknown;
    if (isJson && text !== '') parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  /** Loads a synthetic task through the admin route. */
  loadTask(taskId: string, task: SyntheticTask, extra: Record<string, unknown> = {}): Promise<Answer> {
    return this.request('PUT', `/v1/admin/tasks/${taskId}`, {
      json: { labelStore: task.labelStore, bundleBase64: task.bundle.toString('base64'), ...extra },
    });
  }

  /** Mints an agent token; returns the secret. */
  async agentToken(campaignId: string, agentId: string): Promise<string> {
    const answer = await this.request('POST', '/v1/admin/tokens', {
      json: { role: 'agent', campaignId, agentId },
    });
    if (answer.status !== 201) throw new Error(`minting a token failed: ${answer.text}`);
    return answer.body.token;
  }

  /** Registers an experiment (admin). */
  async register(
    experimentId: string,
    registration: { campaignId: string; agentId: string; taskId: string; seeds?: number; noEval?: boolean },
  ): Promise<Answer> {
    const answer = await this.request('PUT', `/v1/admin/experiments/${experimentId}`, {
      json: { seeds: 2, noEval: false, ...registration },
    });
    if (answer.status >= 400) throw new Error(`registering failed: ${answer.text}`);
    return answer;
  }

  /** Submits as the holder of `token`. */
  submit(
    token: string | null,
    body: {
      experimentId: string;
      idempotencyKey: string;
      seeds: { seed: number; probabilities: number[][] }[];
    },
    options: { actAs?: string } = {},
  ): Promise<Answer> {
    return this.request('POST', '/v1/submissions', { token, json: body, ...options });
  }
}
