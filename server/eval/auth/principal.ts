/**
 * Who sent a request. An agent principal is bound to one campaign and agent; the admin token
 * acting as an agent (`x-aar-act-as`) yields an agent principal with `viaAdmin`, checked exactly
 * like the agent's own token. A run principal may only download one task's bundle.
 */
export type Principal =
  | { readonly role: 'admin' }
  | {
      readonly role: 'agent';
      readonly campaignId: string;
      readonly agentId: string;
      /** The agent token used; null when the admin token acted as this agent. */
      readonly tokenId: string | null;
      readonly viaAdmin: boolean;
    }
  | { readonly role: 'run'; readonly taskId: string; readonly tokenId: string };

/** An agent, or the admin token acting as one. */
export type AgentPrincipal = Extract<Principal, { role: 'agent' }>;

/** What the audit log records about the sender of a request (never a token). */
export function actorOf(principal: Principal | null): Record<string, string | boolean> {
  if (principal === null) return { role: 'anonymous' };
  if (principal.role === 'admin') return { role: 'admin' };
  if (principal.role === 'run') return { role: 'run', taskId: principal.taskId, tokenId: principal.tokenId };
  return {
    role: 'agent',
    campaignId: principal.campaignId,
    agentId: principal.agentId,
    viaAdmin: principal.viaAdmin,
    ...(principal.tokenId === null ? {} : { tokenId: principal.tokenId }),
  };
}
