import { type Static, Type } from 'typebox';
import { TaskId } from './experiment-spec.js';

/** Researcher policies: `baseline` (offline, seeded search) and `claude` (Anthropic Messages API). */
export const POLICIES = ['baseline', 'claude'] as const;
export type PolicyName = (typeof POLICIES)[number];

/** Executors: `local` (a trainer subprocess, the embedded default) and `k8s` (a Job per run). */
export const EXECUTORS = ['local', 'k8s'] as const;
export type ExecutorName = (typeof EXECUTORS)[number];

export const Slug = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,39}$',
  description: 'lower-case letters, digits and dashes, at most 40 characters',
});

export const AgentSettings = Type.Object(
  {
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    maxTokens: Type.Optional(Type.Integer({ minimum: 256, maximum: 64_000 })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    thinkingBudget: Type.Optional(Type.Integer({ minimum: 1024, maximum: 64_000 })),
  },
  { additionalProperties: false },
);
export type AgentSettings = Static<typeof AgentSettings>;

export const AgentSpec = Type.Object(
  {
    id: Slug,
    policy: Type.Enum(POLICIES, { default: 'baseline' }),
    direction: Type.String({
      maxLength: 2000,
      default: '',
      description: "The agent's starting research direction.",
    }),
    seed: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Seeds the baseline policy.' }),
    ),
    settings: Type.Optional(AgentSettings),
  },
  { additionalProperties: false },
);
export type AgentSpec = Static<typeof AgentSpec>;

export const BudgetLimits = Type.Object(
  {
    experiments: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    gpuHours: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
    tokens: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1e12,
        description: 'Model tokens (input + output + cache) for Claude agents.',
      }),
    ),
    dollars: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1e7, description: 'Model API spend in US dollars.' }),
    ),
    deadlineHours: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 24 * 366,
        description: 'Wall-clock hours from the start.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type BudgetLimits = Static<typeof BudgetLimits>;

/**
 * What an operator writes to start a campaign (YAML or JSON). Validated once, at the edge; the
 * workflows receive it parsed, with defaults filled in.
 */
/**
 * How often a policy step (propose, analyse) is tried before the researcher fails: its own errors
 * only. An unreachable database or eval server is waited out, whatever this says.
 */
export const PolicyRetry = Type.Object(
  {
    maximumAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    maximumIntervalSeconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 60,
      description: 'The longest wait between two attempts (they start at most 2 s apart and double).',
    }),
  },
  { additionalProperties: false },
);
export type PolicyRetry = Static<typeof PolicyRetry>;

export const CampaignSpec = Type.Object(
  {
    apiVersion: Type.Literal('aar/v1'),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    id: Type.Optional(Slug),
    task: TaskId,
    heldOutTask: Type.Optional(TaskId),
    seedsPerExperiment: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
    executor: Type.Enum(EXECUTORS, { default: 'local' }),
    maxRunAttempts: Type.Integer({
      minimum: 1,
      maximum: 10,
      default: 3,
      description: 'Attempts per seed run.',
    }),
    maxRunWallSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 7 * 24 * 3600,
        description:
          "Wall-clock limit of every run of the campaign, in seconds. It lowers a spec's resources.maxWallSeconds and the executor's own limit, never raises them; a run past it is killed and fails with kind timeout.",
      }),
    ),
    agents: Type.Array(AgentSpec, { minItems: 1, maxItems: 100 }),
    agentDefaults: Type.Optional(
      Type.Object(
        { settings: Type.Optional(AgentSettings) },
        {
          additionalProperties: false,
          description: 'Model settings every agent gets unless it sets its own.',
        },
      ),
    ),
    budgets: Type.Object(
      { campaign: Type.Optional(BudgetLimits), perAgent: Type.Optional(BudgetLimits) },
      { additionalProperties: false, default: {} },
    ),
    promotion: Type.Object(
      {
        auto: Type.Boolean({
          default: true,
          description: 'Start the promotion gate when an experiment beats the campaign best by `margin`.',
        }),
        margin: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0.1,
          description: 'Public mean PGR margin that triggers a promotion.',
        }),
        freshSeeds: Type.Integer({
          minimum: 5,
          maximum: 20,
          default: 5,
          description: 'Fresh seeds per arm.',
        }),
        alpha: Type.Number({
          exclusiveMinimum: 0,
          maximum: 0.5,
          default: 0.05,
          description: 'Family-wise error rate; divided by the number of candidates tested in the campaign.',
        }),
        requireDistinctApprover: Type.Boolean({
          default: false,
          description:
            'Accepting a verified promotion needs an approver other than the operator identity that launched the campaign.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    advanced: Type.Optional(
      Type.Object(
        {
          continueAsNewAfterExperiments: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 10_000,
              description:
                'Researchers start a fresh workflow history after this many experiments (default: when Temporal suggests).',
            }),
          ),
          policyRetry: Type.Optional(PolicyRetry),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'https://aar.dev/schemas/campaign-spec.json', title: 'CampaignSpec', additionalProperties: false },
);
export type CampaignSpec = Static<typeof CampaignSpec>;

/** Problems a schema cannot express: duplicate agent ids. Empty when the spec is coherent. */
export function campaignSpecProblems(spec: CampaignSpec): { path: string; message: string }[] {
  const seen = new Map<string, number>();
  const problems: { path: string; message: string }[] = [];
  spec.agents.forEach((agent, index) => {
    const first = seen.get(agent.id);
    if (first !== undefined) {
      problems.push({
        path: `/agents/${index}/id`,
        message: `duplicate agent id '${agent.id}' (also agents[${first}])`,
      });
    } else seen.set(agent.id, index);
  });
  return problems;
}

/**
 * The spec with campaign-wide agent settings merged into each agent (an agent's own settings win),
 * so workflows and policies see one settings object per agent.
 */
export function withAgentDefaults(spec: CampaignSpec): CampaignSpec {
  const defaults = spec.agentDefaults?.settings;
  if (defaults === undefined) return spec;
  return { ...spec, agents: spec.agents.map((a) => ({ ...a, settings: { ...defaults, ...a.settings } })) };
}
