import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createLedger } from '../../activities/agent/claude/ledger.js';
import { ModelCallError } from '../../activities/agent/claude/model-client.js';
import { DEFAULT_PRICES } from '../../activities/agent/claude/pricing.js';
import { PolicyPaused } from '../../activities/agent/policy.js';
import { modelMetrics } from '../../activities/metrics.js';
import { appendNotebookEntry, readNotebook } from '../../activities/store/notebook.js';
import { recordTokenUsage } from '../../activities/store/token-usage.js';
import { experimentIdOf } from '../../workflows/definitions.js';
import {
  describe,
  INVALID_SPEC,
  lastToolResults,
  SCRIPTED_SPEC,
  scriptedResearcher,
  scriptedUsage,
} from '../helpers/fake-anthropic/scripted-researcher.js';
import type { MessagesRequest, Script } from '../helpers/fake-anthropic/server.js';
import {
  type FakeReply,
  overloaded,
  rateLimited,
  reply,
  text,
  toolUse,
} from '../helpers/fake-anthropic/wire.js';
import { API_KEY, CAMPAIGN, startTurnFixture, type TurnFixture } from './turn-fixture.js';

let f: TurnFixture;
const AGENTS = ['agent-1', 'agent-2', 'agent-3', 'agent-4', 'agent-5', 'agent-6', 'agent-7', 'agent-8'];
let nextSeq = 0;
/** A fresh experiment number per test, so no test finds another's stored turn. */
const seq = () => nextSeq++;

before(async () => {
  f = await startTurnFixture(AGENTS);
});
after(async () => {
  await f.close();
});

/** The exchanges a test made, from a mark taken at its start. */
const since = (mark: number) => f.fake.exchanges.slice(mark);
const ledgerRows = async (experimentId: string) =>
  (await f.db.pool.query('SELECT * FROM token_usage WHERE experiment_id = $1 ORDER BY id', [experimentId]))
    .rows;

/** The scripted researcher, with some requests answered otherwise first. */
function withFirst(replies: FakeReply[], rest: Script = scriptedResearcher()): Script {
  let i = 0;
  return (request, index) => (i < replies.length ? replies[i++]! : rest(request, index));
}

test('a propose step reads, corrects an invalid spec after the tool error, and proposes the valid one', async () => {
  const mark = f.fake.exchanges.length;
  const n = seq();
  f.fake.setScript(scriptedResearcher());
  const proposal = await f.policy().propose(
    f.proposeContext('agent-1', n, {
      settings: { model: 'claude-haiku-4-5', maxTokens: 1500, temperature: 0.3 },
    }),
  );
  assert.equal(proposal.hypothesis.includes('auxiliary confidence loss'), true);
  assert.deepEqual((proposal.spec as typeof SCRIPTED_SPEC).loss, {
    ...SCRIPTED_SPEC.loss,
    warmupFraction: 0.2,
  });
  const exchanges = since(mark);
  assert.equal(exchanges.length, 4, 'read, invalid proposal, corrected proposal, finish');
  const [first, , third] = exchanges.map((e) => e.body);
  assert.equal(first.model, 'claude-haiku-4-5');
  assert.equal(first.max_tokens, 1500);
  assert.equal(first.temperature, 0.3);
  const error = lastToolResults(third).find((r) => r.is_error);
  assert.ok(error, 'the invalid spec came back as a tool error');
  for (const field of ['loss.kind', 'training.epochs', "'momentum'"])
    assert.ok(error.content.includes(field), field);
  assert.deepEqual(exchanges[2]!.body.messages.at(-2).content[0].input.spec, INVALID_SPEC);
});

test('every call is in the ledger once, with its usage priced from the table', async () => {
  const mark = f.fake.exchanges.length;
  const n = seq();
  f.fake.setScript(scriptedResearcher());
  await f.policy().propose(f.proposeContext('agent-1', n));
  const exchanges = since(mark);
  const rows = await ledgerRows(experimentIdOf(CAMPAIGN, 'agent-1', n));
  assert.equal(rows.length, exchanges.length);
  rows.forEach((row, i) => {
    const usage = scriptedUsage('propose', i);
    assert.equal(row.idempotency_key, exchanges[i]!.messageId);
    assert.match(row.request_id, /^req_/);
    assert.equal(row.input_tokens, usage.input_tokens);
    assert.equal(row.output_tokens, usage.output_tokens);
    assert.equal(row.cache_read_tokens, usage.cache_read_input_tokens);
    assert.equal(row.cache_write_tokens, usage.cache_creation_input_tokens);
    const expected =
      (usage.input_tokens * 3 +
        usage.output_tokens * 15 +
        usage.cache_read_input_tokens! * 0.3 +
        usage.cache_creation_input_tokens! * 3.75) /
      1e6;
    assert.ok(Math.abs(Number(row.cost_usd) - expected) <= 1e-6, `${row.cost_usd} for ${expected}`);
  });
});

test('the ledger records a response once however often it is given the same response', async () => {
  const ledger = createLedger({ pool: f.db.pool, prices: DEFAULT_PRICES, metrics: modelMetrics(f.registry) });
  const scope = {
    campaignId: CAMPAIGN,
    agentId: 'agent-2',
    experimentId: 'x-once',
    step: 'propose',
    purpose: 'turn',
  } as const;
  const message = {
    id: 'msg_once',
    model: 'claude-haiku-4-5',
    usage: { input_tokens: 7, output_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  } as never;
  const before = (await f.registry.getSingleMetricAsString('aar_model_tokens_total')).match(
    /kind="input"} (\d+)/,
  )?.[1];
  await ledger.record(scope, message, 'claude-haiku-4-5');
  await ledger.record(scope, message, 'claude-haiku-4-5');
  assert.equal((await ledgerRows('x-once')).length, 1);
  const afterText = await f.registry.getSingleMetricAsString('aar_model_tokens_total');
  assert.equal(
    Number(afterText.match(/kind="input"} (\d+)/)?.[1]) - Number(before ?? 0),
    7,
    'counted once in metrics',
  );
});

test('prompt caching: the stable system block and the conversation tail carry cache breakpoints', async () => {
  const mark = f.fake.exchanges.length;
  f.fake.setScript(scriptedResearcher());
  await f.policy().propose(f.proposeContext('agent-2', seq()));
  const bodies = since(mark).map((e) => e.body);
  for (const body of bodies) {
    assert.deepEqual(body.system.at(-1).cache_control, { type: 'ephemeral' });
    assert.deepEqual(body.messages.at(-1).content.at(-1).cache_control, { type: 'ephemeral' });
    assert.equal(
      JSON.stringify(body.system),
      JSON.stringify(bodies[0].system),
      'the system prompt is stable',
    );
    assert.equal(JSON.stringify(body.tools), JSON.stringify(bodies[0].tools), 'the tools are stable');
  }
  assert.match(bodies[0].system[0].text, /no access to labels/);
  assert.match(bodies[0].system[0].text, /Cheating is detected and disqualified/);
  assert.match(bodies[0].system[1].text, /starting direction, from the operator: auxiliary confidence loss/);
});

test('a 429 with retry-after is retried by the SDK after the time it asks for', async () => {
  const mark = f.fake.exchanges.length;
  f.fake.setScript(withFirst([rateLimited(1)]));
  const proposal = await f.policy().propose(f.proposeContext('agent-2', seq()));
  assert.ok(proposal.spec);
  const [limited, retried] = since(mark);
  assert.equal(limited!.status, 429);
  assert.equal(retried!.status, 200);
  assert.ok(retried!.at - limited!.at >= 950, `waited ${retried!.at - limited!.at} ms`);
});

test('a 529 overloaded answer is retried and the step completes', async () => {
  const mark = f.fake.exchanges.length;
  f.fake.setScript(withFirst([overloaded()]));
  await f.policy().propose(f.proposeContext('agent-2', seq()));
  const statuses = since(mark).map((e) => e.status);
  assert.deepEqual(statuses.slice(0, 2), [529, 200]);
});

test('a request that times out is retried by the SDK', async () => {
  const mark = f.fake.exchanges.length;
  const slow = {
    ...(reply([text('slow')], { input_tokens: 1, output_tokens: 1 }) as object),
    delayMs: 1500,
  } as FakeReply;
  f.fake.setScript(withFirst([slow]));
  await f.policy({ connection: { requestTimeoutMs: 300 } }).propose(f.proposeContext('agent-2', seq()));
  const exchanges = since(mark);
  assert.equal(exchanges.length, 5, 'the timed-out request and the four of the step');
  assert.notEqual(exchanges[0]!.status, 200, 'the slow answer was never used');
  assert.ok(exchanges.slice(1).every((e) => e.status === 200));
  assert.equal((await ledgerRows(experimentIdOf(CAMPAIGN, 'agent-2', nextSeq - 1))).length, 4);
});

test('transient errors past the SDK retries fail the step for Temporal to retry, naming status, type and request', async () => {
  const mark = f.fake.exchanges.length;
  f.fake.setScript(() => overloaded());
  const error = await f
    .policy()
    .propose(f.proposeContext('agent-3', seq()))
    .then(
      () => null,
      (e: unknown) => e,
    );
  assert.ok(error instanceof ModelCallError, String(error));
  assert.equal(error.transient, true);
  assert.match(error.message, /529 overloaded_error: Overloaded \(request req_\w+\)/);
  assert.equal(since(mark).length, 3, 'one request and the two SDK retries, no more');
});

test('an API rejection pauses the agent with the reason, with the key redacted', async () => {
  f.fake.setScript(() => ({
    kind: 'error',
    status: 400,
    type: 'invalid_request_error',
    message: `model: not found for key ${API_KEY}`,
  }));
  const error = await f
    .policy()
    .propose(f.proposeContext('agent-3', seq()))
    .then(
      () => null,
      (e: unknown) => e,
    );
  assert.ok(error instanceof PolicyPaused, String(error));
  assert.match(error.reason, /400 invalid_request_error: model: not found for key \[redacted\]/);
  assert.ok(!error.reason.includes(API_KEY));
  assert.ok(!(error.stack ?? '').includes(API_KEY));
});

test('a malformed tool input comes back as a tool error naming the fields', async () => {
  const mark = f.fake.exchanges.length;
  const malformed = reply(
    [toolUse('post_to_forum', { kind: 'shout', title: 5 }), toolUse('delete_everything', {})],
    { input_tokens: 10, output_tokens: 5 },
  );
  f.fake.setScript(withFirst([malformed]));
  await f.policy().propose(f.proposeContext('agent-3', seq()));
  const results = lastToolResults(since(mark)[1]!.body);
  assert.equal(results.length, 2);
  assert.ok(results.every((r) => r.is_error));
  assert.match(results[0]!.content, /input of post_to_forum is invalid: .*kind.*title|title.*kind/);
  assert.match(results[0]!.content, /missing required field 'body'|body/);
  assert.match(results[1]!.content, /unknown tool 'delete_everything'/);
  const posts = await f.db.pool.query('SELECT 1 FROM forum_posts WHERE title = $1', ['5']);
  assert.equal(posts.rowCount, 0);
});

test('a response cut at max_tokens gets a tool error for its unfinished call and the step goes on', async () => {
  const mark = f.fake.exchanges.length;
  const cut = reply(
    [toolUse('write_hook', { source: 'def loss(logits, weak_pr' })],
    { input_tokens: 10, output_tokens: 4096 },
    'max_tokens',
  );
  f.fake.setScript(withFirst([cut]));
  const proposal = await f.policy().propose(f.proposeContext('agent-3', seq()));
  const [result] = lastToolResults(since(mark)[1]!.body);
  assert.equal(result!.is_error, true);
  assert.match(result!.content, /cut at max_tokens/);
  assert.equal((proposal.spec as { hook?: unknown }).hook, undefined, 'the cut hook was not saved');
});

test('a finished step returns its stored result without calling the model again', async () => {
  const n = seq();
  f.fake.setScript(scriptedResearcher());
  const first = await f.policy().propose(f.proposeContext('agent-4', n));
  const mark = f.fake.exchanges.length;
  const again = await f.policy().propose(f.proposeContext('agent-4', n));
  assert.deepEqual(again, first);
  assert.equal(f.fake.exchanges.length, mark);
});

test('a step run again after losing its result does not post to the forum twice', async () => {
  const n = seq();
  const poster: Script = (request: MessagesRequest) => {
    const { round } = describe(request);
    const usage = { input_tokens: 10, output_tokens: 5 };
    if (round === 0)
      return reply(
        [
          toolUse('post_to_forum', {
            kind: 'question',
            title: 'Has anyone tried filtering?',
            body: 'Asking.',
          }),
        ],
        usage,
      );
    return reply([toolUse('finish', { summary: 'done' })], usage);
  };
  f.fake.setScript(poster);
  const ctx = f.analyseContext('agent-5', n);
  await f.policy().analyse(ctx);
  // The activity lost the answer before storing it: the turn runs again, a new conversation.
  await f.db.pool.query('DELETE FROM agent_turns WHERE experiment_id = $1', [ctx.experimentId]);
  await f.policy().analyse(ctx);
  const posts = await f.db.pool.query('SELECT idempotency_key FROM forum_posts WHERE author_id = $1', [
    'agent-5',
  ]);
  assert.deepEqual(
    posts.rows.map((r) => r.idempotency_key),
    [`${ctx.experimentId}:analyse:post:0`],
  );
  const notes = await readNotebook(f.db.pool, CAMPAIGN, 'agent-5');
  assert.equal(
    notes.entries.filter((e) => e.kind === 'analysis').length,
    1,
    'one notebook entry for the analysis',
  );
});

test('an analysis ends with the summary and post the model gave finish, and keeps it in the notebook', async () => {
  const n = seq();
  f.fake.setScript(scriptedResearcher());
  const analysis = await f.policy().analyse(f.analyseContext('agent-6', n));
  assert.match(analysis.summary, /logconf with auxWeight 0.5/);
  assert.deepEqual(analysis.post, {
    kind: 'result',
    title: 'agent-6: logconf 0.5',
    body: 'Measured with 2 seeds; see the linked experiment.',
  });
  const notes = await readNotebook(f.db.pool, CAMPAIGN, 'agent-6');
  assert.match(notes.entries.at(-1)!.body, /scored, reported PGR 0.420\): agent-6: logconf/);
});

test('a reached agent token budget pauses before the call, saying the spend, the limit and how to raise it', async () => {
  await recordTokenUsage(f.db.pool, {
    campaignId: CAMPAIGN,
    agentId: 'agent-7',
    model: 'claude-test',
    inputTokens: 12_000,
    outputTokens: 345,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0.04,
    idempotencyKey: 'msg_budget_seed',
    requestId: null,
    experimentId: null,
    step: null,
    purpose: 'turn',
  });
  const mark = f.fake.exchanges.length;
  const error = await f
    .policy()
    .propose(f.proposeContext('agent-7', seq(), { limits: { agent: { tokens: 12_000 } } }))
    .catch((e: unknown) => e);
  assert.ok(error instanceof PolicyPaused);
  assert.equal(
    error.reason,
    `token budget reached: 12,345 of 12,000 tokens for agent-7 — raise it with POST /v1/campaigns/${CAMPAIGN}/agents/agent-7/budget and resume`,
  );
  assert.equal(f.fake.exchanges.length, mark, 'no call was made');
});

test('a reached campaign dollar budget pauses with the campaign named', async () => {
  const error = await f
    .policy()
    .propose(f.proposeContext('agent-8', seq(), { limits: { campaign: { dollars: 0.01 } } }))
    .catch((e: unknown) => e);
  assert.ok(error instanceof PolicyPaused);
  assert.match(
    error.reason,
    /^dollar budget reached: \$\d+\.\d\d of \$0\.01 for campaign turns — raise it with POST \/v1\/campaigns\/turns\/budget and resume$/,
  );
});

test('a model missing from the price table pauses instead of spending unpriced', async () => {
  const error = await f
    .policy()
    .propose(f.proposeContext('agent-8', seq(), { settings: { model: 'claude-unknown-9' } }))
    .catch((e: unknown) => e);
  assert.ok(error instanceof PolicyPaused);
  assert.match(error.reason, /no price for model 'claude-unknown-9'/);
});

test('a long notebook is folded into a model-written summary, and the step reads the summary', async () => {
  for (let i = 0; i < 16; i++) {
    await appendNotebookEntry(f.db.pool, {
      campaignId: CAMPAIGN,
      agentId: 'agent-8',
      kind: 'note',
      body: `note ${i}: ${'x'.repeat(1000)}`,
      idempotencyKey: `fold-${i}`,
    });
  }
  const mark = f.fake.exchanges.length;
  f.fake.setScript(scriptedResearcher());
  await f.policy().propose(f.proposeContext('agent-8', seq()));
  const [fold, opening] = since(mark).map((e) => e.body);
  assert.deepEqual(fold.tool_choice, { type: 'none' });
  assert.match(fold.messages[0].content, /note 0:/);
  const firstText: string = opening.messages[0].content[0].text;
  assert.match(firstText, /Summary of earlier entries:\nSummary for agent-8/);
  assert.ok(!firstText.includes('note 0:'), 'folded entries are not repeated');
  assert.ok(firstText.includes('note 15:'), 'the newest entries stay verbatim');
  assert.ok(firstText.length < 12_000, `the opening is bounded (${firstText.length} characters)`);
  const rows = await f.db.pool.query(
    "SELECT purpose FROM token_usage WHERE agent_id = 'agent-8' AND purpose = 'notebook'",
  );
  assert.equal(rows.rowCount, 1, 'the fold is in the ledger');
});

test('when the rounds run out the step proposes the last spec it tried, to be recorded invalid', async () => {
  const mark = f.fake.exchanges.length;
  f.fake.setScript((request: MessagesRequest) =>
    reply(
      [toolUse('propose_experiment', { hypothesis: `try ${describe(request).round}`, spec: INVALID_SPEC })],
      { input_tokens: 1, output_tokens: 1 },
    ),
  );
  const proposal = await f.policy({ maxRounds: 3 }).propose(f.proposeContext('agent-4', seq()));
  assert.equal(proposal.hypothesis, 'try 2');
  assert.deepEqual(proposal.spec, INVALID_SPEC);
  const bodies = since(mark).map((e) => e.body);
  assert.equal(bodies.length, 3);
  assert.match(JSON.stringify(bodies[2].messages.at(-1)), /This is your last round/);
});

test('method code from write_hook goes with the next proposal as spec.hook', async () => {
  const source =
    'def loss(logits, weak_probs, progress):\n    return -(weak_probs * F.log_softmax(logits, dim=-1)).sum(-1).mean()\n';
  const script: Script = (request: MessagesRequest) => {
    const { round } = describe(request);
    const usage = { input_tokens: 1, output_tokens: 1 };
    if (round === 0) return reply([toolUse('write_hook', { source: 'x'.repeat(40_000) })], usage);
    if (round === 1) return reply([toolUse('write_hook', { source })], usage);
    if (round === 2)
      return reply(
        [toolUse('propose_experiment', { hypothesis: 'a custom loss', spec: SCRIPTED_SPEC })],
        usage,
      );
    return reply([toolUse('finish', {})], usage);
  };
  const mark = f.fake.exchanges.length;
  f.fake.setScript(script);
  const proposal = await f.policy().propose(f.proposeContext('agent-4', seq()));
  assert.deepEqual((proposal.spec as { hook?: unknown }).hook, { source });
  const [tooLong] = lastToolResults(since(mark)[1]!.body);
  assert.equal(tooLong!.is_error, true);
  assert.match(tooLong!.content, /40000 characters; the limit is 32768/);
});

test('in an activity, a step heartbeats between rounds and pauses instead of failing on its last attempt', async () => {
  const env = new MockActivityEnvironment({ attempt: 10, retryPolicy: { maximumAttempts: 10 } });
  let heartbeats = 0;
  env.on('heartbeat', () => {
    heartbeats += 1;
  });
  f.fake.setScript(scriptedResearcher());
  await env.run(() => f.policy().propose(f.proposeContext('agent-5', seq())));
  assert.ok(heartbeats >= 4, `heartbeats: ${heartbeats}`);

  f.fake.setScript(() => overloaded());
  const last = new MockActivityEnvironment({ attempt: 10, retryPolicy: { maximumAttempts: 10 } });
  const error = await last
    .run(() => f.policy().propose(f.proposeContext('agent-5', seq())))
    .catch((e: unknown) => e);
  assert.ok(error instanceof PolicyPaused, String(error));
  assert.match(error.reason, /529 overloaded_error.*on the step's last attempt \(10\) — resume to try again/);
});

test('a cancelled activity aborts the call under way and ends as cancelled, not paused', async () => {
  f.fake.setScript(
    () =>
      ({
        ...(reply([text('slow')], { input_tokens: 1, output_tokens: 1 }) as object),
        delayMs: 3000,
      }) as FakeReply,
  );
  const env = new MockActivityEnvironment();
  const running = env
    .run(() => f.policy().propose(f.proposeContext('agent-6', seq())))
    .catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  env.cancel();
  const error = await running;
  assert.ok(error instanceof CancelledFailure, String(error));
  assert.ok(Date.now() - started < 1000, 'the call was aborted, not waited for');
});

test('an empty reply is answered with a nudge and the step goes on', async () => {
  f.fake.setScript(withFirst([reply([], { input_tokens: 3, output_tokens: 0 }, 'end_turn')]));
  const proposal = await f.policy().propose(f.proposeContext('agent-6', seq()));
  assert.equal((proposal.spec as typeof SCRIPTED_SPEC).task, 'mnist1d');
});
