import type { Static, TSchema } from 'typebox';
import type { ExperimentSpec } from '../../../core/experiment-spec.js';
import type { Pool } from '../../../runtime/db.js';
import { cut } from './prompt.js';

export const MAX_POSTS_PER_STEP = 2;
export const MAX_NOTES_PER_STEP = 3;
const RESULT_MAX_CHARS = 12_000;

/** What a step's tools have produced so far; the turn reads it to end the step. */
export interface TurnState {
  posts: number;
  notes: number;
  hook?: string;
  proposal?: { hypothesis: string; spec: ExperimentSpec; noEval: boolean };
  /** The last spec the model tried, valid or not: proposed as is if the step runs out of rounds. */
  attempted?: { hypothesis: string; spec: unknown; noEval: boolean };
  finished?: {
    summary?: string;
    post?: { kind: 'finding' | 'result' | 'question'; title: string; body: string };
  };
}

/** What a tool may use: the record, who calls it for which step, and the step's state. */
export interface ToolContext {
  readonly pool: Pool;
  readonly campaignId: string;
  readonly agentId: string;
  readonly experimentId: string;
  readonly step: 'propose' | 'analyse';
  readonly taskId: string;
  readonly state: TurnState;
}

/** A tool's answer: its content goes back as the tool_result, `isError` as `is_error`. */
export interface ToolResult {
  readonly content: string;
  readonly isError?: boolean;
}

/** One tool: its description and input schema (both sent to the model) and what it does. */
export interface ToolDefinition<S extends TSchema> {
  readonly description: string;
  readonly input: S;
  run(ctx: ToolContext, input: Static<S>): Promise<ToolResult>;
  /** What the turn checks the input against, when not `input` itself. */
  readonly check?: TSchema;
}

export const define = <S extends TSchema>(d: ToolDefinition<S>) => d as unknown as ToolDefinition<TSchema>;
export const ok = (content: string): ToolResult => ({ content: cut(content, RESULT_MAX_CHARS) });
export const refuse = (content: string): ToolResult => ({ content, isError: true });
