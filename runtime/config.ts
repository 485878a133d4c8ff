import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's location (runtime/ sits at the top level). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

type Env = Readonly<Record<string, string | undefined>>;

interface Variable<T> {
  /** What the variable means, for the README table and error messages. */
  readonly doc: string;
  /** The default, as the raw string a user would write; may depend on other variables. */
  readonly fallback: string | ((env: Env) => string);
  /** Parses the raw string; throws an Error whose message says what form is expected. */
  readonly parse: (raw: string) => T;
}

const port = (raw: string): number => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65_535)
    throw new Error('expected a TCP port, an integer from 1 to 65535');
  return n;
};
const positiveInt = (raw: string): number => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1) throw new Error('expected a positive integer');
  return n;
};
/** A port, or 0 to let the system pick a free one (tests run several workers side by side). */
const portOrZero = (raw: string): number => (raw === '0' ? 0 : port(raw));
/** A number strictly between 0 and 1 (a fraction, a probability step). */
const fraction = (raw: string): number => {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0 || n >= 1)
    throw new Error('expected a number strictly between 0 and 1, for example 0.01');
  return n;
};
const text = (raw: string): string => {
  if (raw.trim() === '') throw new Error('expected a non-empty value');
  return raw;
};
const url =
  (protocols: readonly string[]) =>
  (raw: string): string => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error(`expected a URL such as ${protocols[0]}//host:port/...`);
    }
    if (!protocols.includes(parsed.protocol)) throw new Error(`expected a ${protocols.join(' or ')} URL`);
    return raw.replace(/\/$/, '');
  };
const hostPort = (raw: string): string => {
  if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(raw))
    throw new Error('expected host:port, for example 127.0.0.1:7233');
  return raw;
};
const oneOf =
  <T extends string>(values: readonly T[]) =>
  (raw: string): T => {
    if (!(values as readonly string[]).includes(raw)) throw new Error(`expected one of ${values.join(', ')}`);
    return raw as T;
  };

/** A bearer token: empty means "not configured" (the process that needs it says so at start-up). */
const token = (raw: string): string | undefined => {
  if (raw === '') return undefined;
  if (raw.length < 16 || /\s/.test(raw))
    throw new Error('expected a token of at least 16 characters without spaces');
  return raw;
};
/** `false`, `true`, or proxy addresses/CIDRs separated by commas (Fastify's `trustProxy`). */
const trustProxy = (raw: string): boolean | string => {
  const value = raw.trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  const parts = value.split(',').map((p) => p.trim());
  for (const part of parts) {
    const [address = '', bits, ...rest] = part.split('/');
    if (isIP(address) === 0 || rest.length > 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits)))
      throw new Error('expected true, false, or IP addresses/CIDRs separated by commas');
  }
  return parts.join(',');
};
/** Reads a dev-stack secret file written by `make dev-up`; empty when absent. */
const secretFile = (env: Env, name: string): string => {
  const dir = env.AAR_STATE_DIR ?? `${REPO_ROOT}/.aar-state`;
  try {
    return readFileSync(`${dir}/secrets/${name}`, 'utf8').trim();
  } catch {
    return '';
  }
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// ---- Kubernetes executor values (activities/executors/k8s) ----
const wholeNumber = (raw: string): number => {
  if (!/^\d+$/.test(raw)) throw new Error('expected a whole number (0 or more)');
  return Number(raw);
};
/** A Kubernetes resource quantity: `500m`, `2`, `16Gi`. */
const quantity = (raw: string): string => {
  if (!/^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.test(raw))
    throw new Error('expected a Kubernetes quantity such as 500m, 2 or 16Gi');
  return raw;
};
/** A DNS-1123 label (namespace, priority class, queue, runtime class); empty means "none". */
const dnsLabelOrEmpty = (raw: string): string => {
  if (raw !== '' && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(raw))
    throw new Error('expected a DNS-1123 label: lower-case letters, digits and dashes, at most 63');
  return raw;
};
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** `key=value,key=value` (node selector); empty means none. */
const labelMap = (raw: string): Readonly<Record<string, string>> => {
  const map: Record<string, string> = {};
  for (const pair of raw.split(',').filter((p) => p.trim() !== '')) {
    const [key = '', value = '', ...rest] = pair.trim().split('=');
    if (rest.length > 0 || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value))
      throw new Error('expected key=value pairs separated by commas, e.g. nvidia.com/gpu.product=H100');
    map[key] = value;
  }
  return Object.freeze(map);
};
export interface TolerationSetting {
  readonly key: string;
  readonly operator: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}
/** `key[=value][:Effect]` items separated by commas, as `kubectl taint` writes taints. */
const tolerationList = (raw: string): readonly TolerationSetting[] =>
  raw
    .split(',')
    .filter((t) => t.trim() !== '')
    .map((item) => {
      const m = /^([^=:\s]+)(?:=([^:\s]*))?(?::(NoSchedule|PreferNoSchedule|NoExecute))?$/.exec(item.trim());
      if (m === null || !LABEL_KEY.test(m[1]!) || !LABEL_VALUE.test(m[2] ?? ''))
        throw new Error(
          'expected key[=value][:Effect] items separated by commas, e.g. nvidia.com/gpu:NoSchedule',
        );
      return Object.freeze({
        key: m[1]!,
        operator: m[2] === undefined ? ('Exists' as const) : ('Equal' as const),
        ...(m[2] === undefined ? {} : { value: m[2] }),
        ...(m[3] === undefined ? {} : { effect: m[3] as TolerationSetting['effect'] }),
      });
    });
const get = (env: Env, name: string, fallback: string): string => env[name] ?? fallback;
const pgPort = (env: Env) => get(env, 'AAR_PG_PORT', '15432');
/** A role of the dev stack's PostgreSQL, its password from the secret file `make dev-up` writes. */
const devRoleUrl = (env: Env, role: string, database: string): string => {
  const password = secretFile(env, `pg-${role}`);
  return `postgres://${role}${password === '' ? '' : `:${encodeURIComponent(password)}`}@127.0.0.1:${pgPort(env)}/${database}`;
};

/**
 * Every environment variable AAR reads, with its default. Shell scripts under `scripts/` use the
 * same names and defaults (`scripts/env.sh`); a test keeps the two and the README in step.
 */
export const VARIABLES = {
  AAR_STATE_DIR: {
    doc: 'Folder for local service state (database files, Temporal SQLite, logs, pid files).',
    fallback: `${REPO_ROOT}/.aar-state`,
    parse: text,
  },
  AAR_PG_PORT: {
    doc: 'Port of the embedded PostgreSQL that `make dev-up` starts.',
    fallback: '15432',
    parse: port,
  },
  DATABASE_URL: {
    doc: "PostgreSQL URL for AAR's record, as its runtime role (api server, orchestrator; DML only). When set before `make dev-up`, no PostgreSQL is started. Default: role aar_app, password from $AAR_STATE_DIR/secrets/pg-aar_app.",
    fallback: (env) => devRoleUrl(env, 'aar_app', 'aar'),
    parse: url(['postgres:', 'postgresql:']),
  },
  EVAL_DATABASE_URL: {
    doc: "PostgreSQL URL of the eval server's own database (the only place test labels live), as its runtime role. Default: role aar_eval_app, password from $AAR_STATE_DIR/secrets/pg-aar_eval_app.",
    fallback: (env) => devRoleUrl(env, 'aar_eval_app', 'aar_eval'),
    parse: url(['postgres:', 'postgresql:']),
  },
  AAR_MIGRATE_DATABASE_URL: {
    doc: "PostgreSQL URL of the record's owner role; only the migration command (`db/migrate-cli.ts`) uses it, and grants the runtime role of DATABASE_URL its privileges. Default: DATABASE_URL when that is set, else role aar_owner of the dev stack.",
    fallback: (env) => env.DATABASE_URL ?? devRoleUrl(env, 'aar_owner', 'aar'),
    parse: url(['postgres:', 'postgresql:']),
  },
  AAR_MIGRATE_EVAL_DATABASE_URL: {
    doc: "PostgreSQL URL of the eval database's owner role, for the migration command only. Default: EVAL_DATABASE_URL when that is set, else role aar_eval_owner of the dev stack.",
    fallback: (env) => env.EVAL_DATABASE_URL ?? devRoleUrl(env, 'aar_eval_owner', 'aar_eval'),
    parse: url(['postgres:', 'postgresql:']),
  },
  AAR_DB_POOL_MAX: { doc: 'Connections per process pool.', fallback: '10', parse: positiveInt },
  AAR_DB_CONNECT_TIMEOUT_MS: {
    doc: 'How long to wait for a database connection before failing.',
    fallback: '5000',
    parse: positiveInt,
  },
  AAR_TEMPORAL_PORT: {
    doc: 'gRPC port of the embedded Temporal dev server.',
    fallback: '17233',
    parse: port,
  },
  AAR_TEMPORAL_UI_PORT: {
    doc: 'Web UI port of the embedded Temporal dev server.',
    fallback: '18233',
    parse: port,
  },
  TEMPORAL_ADDRESS: {
    doc: 'Temporal frontend address (host:port).',
    fallback: (env) => `127.0.0.1:${get(env, 'AAR_TEMPORAL_PORT', '17233')}`,
    parse: hostPort,
  },
  TEMPORAL_NAMESPACE: { doc: 'Temporal namespace for all AAR workflows.', fallback: 'default', parse: text },
  TEMPORAL_UI_URL: {
    doc: 'Where operators open the Temporal UI (printed by the demo and linked by the dashboard).',
    fallback: (env) => `http://127.0.0.1:${get(env, 'AAR_TEMPORAL_UI_PORT', '18233')}`,
    parse: url(['http:', 'https:']),
  },
  AAR_API_PORT: {
    doc: 'Port of the api server (campaigns, forum, results, dashboard).',
    fallback: '18080',
    parse: port,
  },
  AAR_EVAL_PORT: { doc: 'Port of the eval server.', fallback: '18081', parse: port },
  AAR_API_URL: {
    doc: 'Base URL at which trainers and the CLI reach the api server.',
    fallback: (env) => `http://127.0.0.1:${get(env, 'AAR_API_PORT', '18080')}`,
    parse: url(['http:', 'https:']),
  },
  AAR_EVAL_URL: {
    doc: 'Base URL at which the orchestrator and trainers reach the eval server.',
    fallback: (env) => `http://127.0.0.1:${get(env, 'AAR_EVAL_PORT', '18081')}`,
    parse: url(['http:', 'https:']),
  },
  AAR_EVAL_ADMIN_TOKEN: {
    doc: 'Admin bearer token of the eval server (operators and the orchestrator). Default: the file `make dev-up` writes to $AAR_STATE_DIR/secrets/eval-admin-token.',
    fallback: (env) => secretFile(env, 'eval-admin-token'),
    parse: token,
  },
  AAR_EVAL_BUDGET_PER_HOUR: {
    doc: 'Scored submissions one agent may make in any sliding hour; past it the eval server answers 429 with Retry-After.',
    fallback: '30',
    parse: positiveInt,
  },
  AAR_EVAL_BUDGET_PER_CAMPAIGN: {
    doc: 'Scored submissions one agent may make over a whole campaign; past it the eval server answers 429.',
    fallback: '500',
    parse: positiveInt,
  },
  AAR_EVAL_LADDER_STEP: {
    doc: 'Ladder step of the eval server: reported PGR is rounded to it and moves only when an agent beats its best by more than it.',
    fallback: '0.01',
    parse: fraction,
  },
  AAR_EVAL_PROBE_FRACTION: {
    doc: "A submission whose predicted classes differ from one of the same agent's recent submissions in at least one and at most this fraction of test rows is flagged as a probe.",
    fallback: '0.01',
    parse: fraction,
  },
  AAR_EVAL_AUDIT_VERIFY_INTERVAL_S: {
    doc: "Seconds between the eval server's own recomputations of its audit hash chain, published as `aar_audit_*` gauges for the audit alerts; 0 turns it off.",
    fallback: '600',
    parse: wholeNumber,
  },
  AAR_EVAL_BODY_LIMIT_BYTES: {
    doc: 'Largest submission body the eval server reads (default fits 5 seeds x 10,000 rows x 10 classes of JSON).',
    fallback: '16777216',
    parse: positiveInt,
  },
  AAR_EVAL_TASK_BODY_LIMIT_BYTES: {
    doc: "Largest task-load body (label store plus the base64 task bundle) the eval server's admin route reads.",
    fallback: '268435456',
    parse: positiveInt,
  },
  AAR_OPERATOR_TOKEN: {
    doc: "Bearer token operators use for the api server's write routes and the dashboard. Default: $AAR_STATE_DIR/secrets/operator-token.",
    fallback: (env) => secretFile(env, 'operator-token'),
    parse: token,
  },
  AAR_TRUST_PROXY: {
    doc: "Whether the api server trusts X-Forwarded-Proto/-For from a TLS-terminating proxy in front of it: `false` (default), `true` (any), or the proxies' addresses/CIDRs, comma-separated. With it, the dashboard's session cookie is Secure when the proxy says the request came over https.",
    fallback: 'false',
    parse: trustProxy,
  },
  AAR_EXECUTOR_SLOTS: {
    doc: 'Trainer runs the local executor runs at once.',
    fallback: '2',
    parse: positiveInt,
  },
  AAR_HOST: { doc: 'Interface the api and eval servers listen on.', fallback: '127.0.0.1', parse: text },
  AAR_METRICS_TOKEN: {
    doc: 'Bearer token Prometheus sends to read /metrics of the api and eval servers. Empty: /metrics answers requests from the loopback interface only.',
    fallback: '',
    parse: token,
  },
  AAR_JSON_MAX_DEPTH: {
    doc: 'Deepest nesting of arrays and objects a JSON request body may have; deeper bodies get 400 before they are parsed.',
    fallback: '64',
    parse: positiveInt,
  },
  AAR_REFUSALS_PER_MINUTE: {
    doc: 'Requests refused for a missing or wrong token (401/403) one address may make per minute on each server before it is answered 429.',
    fallback: '60',
    parse: positiveInt,
  },
  AAR_WORKER_METRICS_PORT: {
    doc: "Port of the orchestrator worker's /metrics; the Temporal SDK's own worker metrics are on the next port (0 picks free ports).",
    fallback: '19464',
    parse: portOrZero,
  },
  AAR_DISPATCH_METRICS_PORT: {
    doc: "Port of the dispatch worker's /metrics; the Temporal SDK's own worker metrics are on the next port (0 picks free ports).",
    fallback: '19466',
    parse: portOrZero,
  },
  AAR_QUEUE_PREFIX: {
    doc: 'Prefix of the task queue names (`<prefix>orchestrator`, `<prefix>dispatch`), to run isolated stacks on one Temporal server.',
    fallback: '',
    parse: (raw: string) => {
      if (!/^[a-z0-9-]{0,40}$/.test(raw))
        throw new Error('expected up to 40 lower-case letters, digits or dashes');
      return raw;
    },
  },
  AAR_RUN_TOKEN_KEY: {
    doc: "Secret from which each run's upload token is derived (HMAC of the run id), shared by the api server and the dispatch worker. Default: $AAR_STATE_DIR/secrets/run-token-key.",
    fallback: (env) => secretFile(env, 'run-token-key'),
    parse: token,
  },
  AAR_RUNS_DIR: {
    doc: 'Where the local executor keeps one folder per trainer run (spec, logs, exit code).',
    fallback: (env) => `${env.AAR_STATE_DIR ?? `${REPO_ROOT}/.aar-state`}/runs`,
    parse: text,
  },
  AAR_TASKS_DIR: {
    doc: 'Where prepared tasks (bundle and label store) and cached bundles live.',
    fallback: (env) => `${env.AAR_STATE_DIR ?? `${REPO_ROOT}/.aar-state`}/tasks`,
    parse: text,
  },
  AAR_PYTHON: { doc: 'Python interpreter that runs the trainer.', fallback: '/usr/bin/python3', parse: text },
  AAR_RUN_WALL_SECONDS: {
    doc: "Wall-clock limit of each local sandboxed run; a spec's resources.maxWallSeconds can only lower it. Past it the whole sandbox is killed and the run fails with kind timeout.",
    fallback: '3600',
    parse: positiveInt,
  },
  AAR_RUN_MEMORY_BYTES: {
    doc: 'Address-space limit of each local sandboxed run (RLIMIT_AS).',
    fallback: '8589934592',
    parse: positiveInt,
  },
  AAR_RUN_PROCESSES: {
    doc: 'Processes and threads each local sandboxed run may have (RLIMIT_NPROC, per run).',
    fallback: '256',
    parse: positiveInt,
  },
  AAR_RUN_FILE_BYTES: {
    doc: 'Largest file a local sandboxed run may write (RLIMIT_FSIZE), logs included.',
    fallback: '1073741824',
    parse: positiveInt,
  },
  AAR_RUN_DISK_BYTES: {
    doc: "What a local sandboxed run's writable folder may hold in all (files and folders, checked every second); past it the run is killed and fails with kind resource_limit.",
    fallback: '4294967296',
    parse: positiveInt,
  },
  AAR_MODELS_DIR: {
    doc: "Host folder of model weights for text tasks, mounted read-only into the local sandbox; a spec's model.path must lie under it. Empty: the local executor refuses text tasks.",
    fallback: '',
    parse: (raw: string) => raw.trim(),
  },
  ANTHROPIC_API_KEY: {
    doc: 'Secret. Anthropic API key for the claude policy, read only by the orchestrator worker (a Kubernetes Secret in deployment); unset, the worker offers the baseline policy only. Never logged, echoed or put in workflow history.',
    fallback: '',
    // Never rejects a value: a configuration error message would print it.
    parse: (raw: string): string | undefined => (raw.trim() === '' ? undefined : raw.trim()),
  },
  ANTHROPIC_BASE_URL: {
    doc: 'Base URL of the Anthropic Messages API (a gateway, or a local fake in tests).',
    fallback: 'https://api.anthropic.com',
    parse: url(['http:', 'https:']),
  },
  AAR_CLAUDE_MODEL: {
    doc: 'Model id of Claude agents whose campaign settings name none.',
    fallback: 'claude-sonnet-4-6',
    parse: (raw: string): string => {
      if (!/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/.test(raw))
        throw new Error('expected a model id such as claude-sonnet-4-6');
      return raw;
    },
  },
  AAR_CLAUDE_PRICES_FILE: {
    doc: 'Optional JSON file of model prices in US dollars per million tokens, {"<model>": {"input", "output", "cacheRead", "cacheWrite"}}, over the built-in table.',
    fallback: '',
    parse: (raw: string): string | undefined => (raw === '' ? undefined : raw),
  },
  AAR_LOG_LEVEL: {
    doc: 'Log level: fatal, error, warn, info, debug, trace or silent.',
    fallback: 'info',
    parse: oneOf(LOG_LEVELS),
  },
  AAR_K8S_KUBECONFIG: {
    doc: "Enables the k8s executor on the dispatch worker: a kubeconfig path, or `in-cluster` for the pod's service account. Empty: no k8s executor.",
    fallback: '',
    parse: (raw: string) => raw,
  },
  AAR_K8S_NAMESPACE: {
    doc: 'Namespace of the experiment Jobs (it should hold nothing but them and their per-run Secrets).',
    fallback: 'aar-experiments',
    parse: (raw: string) => dnsLabelOrEmpty(text(raw)),
  },
  AAR_K8S_IMAGE: {
    doc: 'Student image of the experiment pods: the container that runs agent code, with no token (student/Dockerfile).',
    fallback: 'aar-student:latest',
    parse: text,
  },
  AAR_K8S_LAUNCHER_IMAGE: {
    doc: 'Launcher image of the experiment pods: the trusted containers that fetch the bundle and upload the result (trainer/Dockerfile).',
    fallback: 'aar-launcher:latest',
    parse: text,
  },
  AAR_K8S_WALL_LIMIT_SECONDS: {
    doc: 'Wall-clock limit of the student in each pod when the run names none: SIGTERM after it, SIGKILL 10 s later, failure kind timeout. Keep it below AAR_K8S_ACTIVE_DEADLINE_SECONDS.',
    fallback: '18000',
    parse: positiveInt,
  },
  AAR_K8S_GPU_RESOURCE: {
    doc: 'Extended resource name the trainer pods request GPUs by.',
    fallback: 'nvidia.com/gpu',
    parse: text,
  },
  AAR_K8S_GPUS_PER_RUN: {
    doc: 'GPUs each trainer pod requests (0: a CPU run).',
    fallback: '1',
    parse: wholeNumber,
  },
  AAR_K8S_CPU: { doc: 'CPU request of each trainer pod.', fallback: '2', parse: quantity },
  AAR_K8S_MEMORY: { doc: 'Memory request and limit of each trainer pod.', fallback: '8Gi', parse: quantity },
  AAR_K8S_GPU_TYPE_LABEL: {
    doc: "Node label whose value names the GPU model; a spec's resources.gpuType selects nodes on it.",
    fallback: 'nvidia.com/gpu.product',
    parse: text,
  },
  AAR_K8S_MODEL_PVC: {
    doc: 'PersistentVolumeClaim holding model weights, mounted read-only into runs whose spec names a model (text tasks); empty: none.',
    fallback: '',
    parse: (raw: string) => raw,
  },
  AAR_K8S_MODEL_MOUNT_PATH: {
    doc: "Where the model volume is mounted in trainer pods; a spec's model.path must lie under it.",
    fallback: '/models',
    parse: text,
  },
  AAR_K8S_NODE_SELECTOR: {
    doc: 'Node selector of the trainer pods: `key=value,...` (the GPU type, e.g. `nvidia.com/gpu.product=H100-SXM`).',
    fallback: '',
    parse: labelMap,
  },
  AAR_K8S_TOLERATIONS: {
    doc: 'Tolerations of the trainer pods: `key[=value][:Effect],...`; the default tolerates tainted GPU pools.',
    fallback: 'nvidia.com/gpu:NoSchedule',
    parse: tolerationList,
  },
  AAR_K8S_PRIORITY_CLASS: {
    doc: 'PriorityClass of the trainer pods (empty: none).',
    fallback: '',
    parse: dnsLabelOrEmpty,
  },
  AAR_K8S_QUEUE: {
    doc: 'Kueue LocalQueue of the trainer Jobs (label `kueue.x-k8s.io/queue-name`; empty: no Kueue).',
    fallback: '',
    parse: dnsLabelOrEmpty,
  },
  AAR_K8S_RUNTIME_CLASS: {
    doc: 'RuntimeClass of the trainer pods, e.g. `gvisor` (empty: the cluster default).',
    fallback: '',
    parse: dnsLabelOrEmpty,
  },
  AAR_K8S_PENDING_LIMIT_SECONDS: {
    doc: 'A run whose pod is not running this long after its Job was created is reported (metric, log, Job annotation); an image that cannot be pulled fails the run.',
    fallback: '900',
    parse: positiveInt,
  },
  AAR_K8S_ACTIVE_DEADLINE_SECONDS: {
    doc: 'activeDeadlineSeconds of each trainer Job: the most it may take, pending time included.',
    fallback: '21600',
    parse: positiveInt,
  },
  AAR_K8S_TTL_SECONDS: {
    doc: 'ttlSecondsAfterFinished of each trainer Job: how long a finished Job and its pod are kept.',
    fallback: '86400',
    parse: positiveInt,
  },
  AAR_K8S_BACKOFF_LIMIT: {
    doc: 'backoffLimit of each trainer Job. 0: a failed pod fails the attempt and the workflow retries as a new run; preemption never counts.',
    fallback: '0',
    parse: wholeNumber,
  },
  AAR_K8S_MAX_RUNS: {
    doc: 'Trainer Jobs one dispatch worker watches at once (added to its activity slots).',
    fallback: '64',
    parse: positiveInt,
  },
} as const satisfies Record<string, Variable<unknown>>;

type Variables = typeof VARIABLES;
/** The parsed configuration: one typed, frozen value per variable. */
export type Config = { readonly [K in keyof Variables]: ReturnType<Variables[K]['parse']> };

/** Thrown when configuration is invalid; its message names each bad variable and the expected form. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads `AAR_CONFIG_FILE` (optional JSON object of variable names to string values) under the
 * environment: the environment wins. Unknown keys in the file are errors, so a typo is caught.
 */
function readConfigFile(env: Env): Record<string, string> {
  const path = env.AAR_CONFIG_FILE;
  if (path === undefined || path === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`AAR_CONFIG_FILE: cannot read ${path} as JSON (${(error as Error).message})`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`AAR_CONFIG_FILE: ${path} must hold a JSON object of variable names to values`]);
  }
  const problems: string[] = [];
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in VARIABLES)) problems.push(`AAR_CONFIG_FILE: unknown variable ${key} in ${path}`);
    else if (typeof value !== 'string' && typeof value !== 'number') {
      problems.push(`AAR_CONFIG_FILE: ${key} in ${path} must be a string or a number`);
    } else values[key] = String(value);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}

/**
 * Parses the whole configuration once, at start-up, and returns it frozen. Every problem is
 * reported together, each naming the variable, its bad value and the expected form.
 */
export function loadConfig(env: Env = process.env): Config {
  const merged: Env = { ...readConfigFile(env), ...env };
  const problems: string[] = [];
  // A default derived from a bad variable fails too; report it only when nothing else explains it.
  const derivedProblems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(VARIABLES) as [string, Variable<unknown>][]) {
    const derived = merged[name] === undefined && typeof variable.fallback === 'function';
    const fallback = typeof variable.fallback === 'function' ? variable.fallback(merged) : variable.fallback;
    const raw = merged[name] ?? fallback;
    try {
      config[name] = variable.parse(raw);
    } catch (error) {
      (derived ? derivedProblems : problems).push(
        `${name}=${JSON.stringify(raw)}: ${(error as Error).message} (${variable.doc})`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (derivedProblems.length > 0) throw new ConfigError(derivedProblems);
  return Object.freeze(config) as Config;
}

/** The default of each variable as a string, for documentation and for the scripts' check. */
export function defaultsTable(): { name: string; fallback: string; doc: string }[] {
  const empty: Env = { AAR_STATE_DIR: '/nonexistent' };
  return Object.entries(VARIABLES).map(([name, v]) => ({
    name,
    fallback: typeof v.fallback === 'function' ? v.fallback(empty) : v.fallback,
    doc: v.doc,
  }));
}
