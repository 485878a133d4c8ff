import type { MintedToken, TokenList, TokenRecord } from '../../core/api/eval/tokens.js';
import { type Command, stringOpt, UsageError } from '../command.js';
import { table } from '../render/table.js';

const TOKEN_ID = /^[A-Za-z0-9_-]{1,100}$/;
const tokenIdOf = (value: string | undefined): string => {
  if (value === undefined || !TOKEN_ID.test(value)) throw new UsageError(`'${value}' is not a token id`);
  return value;
};

function printMinted(ctx: Parameters<Command['run']>[0], minted: MintedToken, verb: string): number {
  if (ctx.json) return ctx.printJson(minted);
  ctx.print(`${verb} token ${minted.tokenId} for ${minted.campaignId}/${minted.agentId}`);
  ctx.print(`token: ${minted.token}`);
  ctx.note('the token is shown only now: hand it to the agent, the eval server keeps only its hash');
  return 0;
}

export const tokenList: Command = {
  path: ['token', 'list'],
  summary: "The eval server's agent and run tokens (never their secrets), newest first",
  usage: '[--campaign <campaign>] [--agent <agent>]',
  options: {
    campaign: { type: 'string', description: 'Only tokens of this campaign.' },
    agent: { type: 'string', description: 'Only tokens of this agent.' },
  },
  positionals: { min: 0, max: 0 },
  reads: true,
  async run(ctx, input) {
    const query = new URLSearchParams();
    const campaign = stringOpt(input, 'campaign');
    const agent = stringOpt(input, 'agent');
    if (campaign !== undefined) query.set('campaignId', campaign);
    if (agent !== undefined) query.set('agentId', agent);
    const { tokens } = await ctx.evalAdmin().get<TokenList>(`/v1/admin/tokens?${query}`);
    if (ctx.json) return ctx.printJson({ tokens });
    if (tokens.length === 0) {
      ctx.print('no tokens match');
      return 0;
    }
    ctx.print(
      table(
        ['token', 'role', 'for', 'state', 'created'],
        tokens.map((t) => [
          t.tokenId,
          t.role,
          t.role === 'agent' ? `${t.campaignId}/${t.agentId}` : `task ${t.taskId}`,
          t.revokedAt
            ? `revoked${t.replacedBy ? ` (replaced by ${t.replacedBy})` : ''}`
            : t.expiresAt
              ? `expires ${t.expiresAt}`
              : 'active',
          t.createdAt,
        ]),
      ),
    );
    return 0;
  },
};

export const tokenMint: Command = {
  path: ['token', 'mint'],
  summary: 'Mint an agent token for one agent of one campaign',
  usage: '--campaign <campaign> --agent <agent> [--expires <ISO time>]',
  options: {
    campaign: { type: 'string', description: 'The campaign.' },
    agent: { type: 'string', description: 'The agent.' },
    expires: { type: 'string', description: 'When it stops working (ISO 8601); default never.' },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx, input) {
    const campaignId = stringOpt(input, 'campaign');
    const agentId = stringOpt(input, 'agent');
    if (campaignId === undefined || agentId === undefined)
      throw new UsageError('give --campaign and --agent');
    const expires = stringOpt(input, 'expires');
    const minted = await ctx.evalAdmin().post<MintedToken>('/v1/admin/tokens', {
      role: 'agent',
      campaignId,
      agentId,
      ...(expires === undefined ? {} : { expiresAt: expires }),
    });
    return printMinted(ctx, minted, 'minted');
  },
};

export const tokenRotate: Command = {
  path: ['token', 'rotate'],
  summary: 'Replace a token with a new one of the same binding; the old one stops working now',
  usage: '<token-id>',
  positionals: { min: 1, max: 1 },
  async run(ctx, input) {
    const tokenId = tokenIdOf(input.positionals[0]);
    const minted = await ctx.evalAdmin().post<MintedToken>(`/v1/admin/tokens/${tokenId}/rotate`);
    return printMinted(ctx, minted, `rotated ${tokenId}: new`);
  },
};

export const tokenRevoke: Command = {
  path: ['token', 'revoke'],
  summary: 'Revoke a token now (idempotent)',
  usage: '<token-id>',
  positionals: { min: 1, max: 1 },
  async run(ctx, input) {
    const tokenId = tokenIdOf(input.positionals[0]);
    const record = await ctx.evalAdmin().delete<TokenRecord>(`/v1/admin/tokens/${tokenId}`);
    if (ctx.json) return ctx.printJson(record);
    ctx.print(`revoked token ${tokenId} (${record.revokedAt})`);
    return 0;
  },
};
