import type { Tool } from '@anthropic-ai/sdk/resources/messages/messages.js';
import type { TSchema } from 'typebox';
import { formatIssue, listIssues } from '../../../core/validation.js';
import { ACT_TOOLS } from './act-tools.js';
import { READ_TOOLS } from './read-tools.js';
import { refuse, type ToolContext, type ToolDefinition, type ToolResult } from './tool-kit.js';

export { MAX_NOTES_PER_STEP, MAX_POSTS_PER_STEP, type TurnState } from './tool-kit.js';

/** Every tool of a step, by name. */
export const TOOLS = { ...READ_TOOLS, ...ACT_TOOLS } as const;
export type ToolName = keyof typeof TOOLS;

/** The tool definitions sent with every request (identical for every step, so they cache). */
export const TOOL_PARAMS: Tool[] = Object.entries(TOOLS).map(([name, t]) => ({
  name,
  description: t.description,
  input_schema: JSON.parse(JSON.stringify(t.input)) as Tool['input_schema'],
}));

/** Runs one tool call: an unknown tool or an input that breaks the tool's schema is an error the model can fix. */
export async function runTool(ctx: ToolContext, name: string, input: unknown): Promise<ToolResult> {
  const tool = (TOOLS as Record<string, ToolDefinition<TSchema>>)[name];
  if (tool === undefined)
    return refuse(`unknown tool '${name}'; the tools are ${Object.keys(TOOLS).join(', ')}`);
  const issues = listIssues(tool.check ?? tool.input, input);
  if (issues.length > 0) return refuse(`input of ${name} is invalid: ${issues.map(formatIssue).join('; ')}`);
  return await tool.run(ctx, input);
}
