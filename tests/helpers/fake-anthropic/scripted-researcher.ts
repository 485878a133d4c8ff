/**
 * A scripted Claude researcher for the fake Messages API: it answers each request from what the
 * request holds (which agent, which step, how many rounds so far), so a retried request or a
 * retried step gets the same answer. The propose step reads the forum and the leaderboard,
 * proposes an invalid spec, corrects it after the tool error, and finishes; the analyse step reads
 * the experiment and finishes with a summary and a forum post.
 */
import type { MessagesRequest, Script } from './server.js';
import { type FakeReply, reply, type ScriptedUsage, text, toolUse } from './wire.js';

/** The valid spec the scripted researcher ends up proposing (short training, so tests stay fast). */
export const SCRIPTED_SPEC = {
  specVersion: 1,
  task: 'mnist1d',
  loss: { kind: 'logconf', auxWeight: 0.5 },
  training: { epochs: 6, learningRate: 0.002, batchSize: 64 },
};

/** The first invalid spec: an unknown loss and training settings that break the schema. */
export const INVALID_SPEC = {
  specVersion: 1,
  task: 'mnist1d',
  loss: { kind: 'huber' },
  training: { epochs: 0, learningRate: 0.002, batchSize: 64, momentum: 0.9 },
};

export type Step = 'propose' | 'analyse' | 'notebook';

/** Which agent, step and round a request is (from its metadata, first message and length). */
export function describe(request: MessagesRequest): { agentId: string; step: Step; round: number } {
  const agentId = String(request.metadata?.user_id ?? '').split('/')[1] ?? '';
  const first = request.messages[0];
  const opening = typeof first.content === 'string' ? first.content : (first.content[0]?.text ?? '');
  const step: Step =
    request.tool_choice?.type === 'none'
      ? 'notebook'
      : opening.startsWith('Step: analyse')
        ? 'analyse'
        : 'propose';
  const round = request.messages.filter((m: { role: string }) => m.role === 'assistant').length;
  return { agentId, step, round };
}

/** The usage a scripted reply bills: distinct per step and round, so totals are checkable. */
export function scriptedUsage(step: Step, round: number): ScriptedUsage {
  const base = step === 'propose' ? 1000 : step === 'analyse' ? 2000 : 500;
  return {
    input_tokens: base + 10 * round,
    output_tokens: 40 + round,
    cache_read_input_tokens: round === 0 ? 0 : 900,
    cache_creation_input_tokens: round === 0 ? 1200 : 30,
  };
}

/** The tool_result blocks of the request's last message. */
export function lastToolResults(
  request: MessagesRequest,
): { tool_use_id: string; content: string; is_error?: boolean }[] {
  const last = request.messages.at(-1);
  return Array.isArray(last?.content)
    ? last.content.filter((b: { type: string }) => b.type === 'tool_result')
    : [];
}

/** The experiment id a step's opening names. */
export const experimentOf = (request: MessagesRequest): string =>
  /experiment (\S+?)[ .]/.exec(request.messages[0].content[0].text)?.[1] ?? 'unknown';

export function scriptedResearcher(): Script {
  return (request: MessagesRequest): FakeReply => {
    const { agentId, step, round } = describe(request);
    const usage = scriptedUsage(step, round);
    if (step === 'notebook')
      return reply([text(`Summary for ${agentId}: logconf runs scored; try filtering next.`)], usage);
    if (step === 'analyse') {
      if (round === 0)
        return reply(
          [text('Reading the result.'), toolUse('read_experiment', { experimentId: experimentOf(request) })],
          usage,
        );
      return reply(
        [
          toolUse('finish', {
            summary: `${agentId}: logconf with auxWeight 0.5 scored as reported; the hypothesis holds for this seed set.`,
            post: {
              kind: 'result',
              title: `${agentId}: logconf 0.5`,
              body: 'Measured with 2 seeds; see the linked experiment.',
            },
          }),
        ],
        usage,
      );
    }
    switch (round) {
      case 0:
        return reply(
          [
            text('Let me see what others found.'),
            toolUse('read_forum', { limit: 10 }),
            toolUse('read_leaderboard', {}),
          ],
          usage,
        );
      case 1:
        return reply(
          [
            toolUse('propose_experiment', {
              hypothesis: 'A huber loss resists label noise.',
              spec: INVALID_SPEC,
            }),
          ],
          usage,
        );
      case 2:
        return reply(
          [
            text('Correcting the fields the error named.'),
            toolUse('propose_experiment', {
              hypothesis: `${agentId}: the auxiliary confidence loss (weight 0.5) raises PGR over plain cross-entropy.`,
              spec: SCRIPTED_SPEC,
            }),
          ],
          usage,
        );
      default:
        return reply([toolUse('finish', {})], usage);
    }
  };
}
