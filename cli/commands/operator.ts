import type { MintedOperator, OperatorList } from '../../core/api/operators.js';
import { OPERATOR_ROLES, type OperatorIdentity, type OperatorRole } from '../../core/operator-roles.js';
import { type Command, stringOpt, UsageError } from '../command.js';
import { table } from '../render/table.js';

const OPERATOR_ID = /^op-[a-z0-9-]{1,60}$/;
const operatorIdOf = (value: string | undefined): string => {
  if (value === undefined || !OPERATOR_ID.test(value))
    throw new UsageError(`'${value}' is not an operator id (op-..., see aar operator list)`);
  return value;
};

function printMinted(ctx: Parameters<Command['run']>[0], minted: MintedOperator, verb: string): number {
  if (ctx.json) return ctx.printJson(minted);
  ctx.print(`${verb} ${minted.id}: ${minted.name} (${minted.role})`);
  ctx.print(`token: ${minted.token}`);
  ctx.note(
    'the token is shown only now: hand it to its owner (AAR_OPERATOR_TOKEN); the record keeps only its hash',
  );
  return 0;
}

export const operatorList: Command = {
  path: ['operator', 'list'],
  summary: 'Operator identities and their roles (never their tokens); admin only',
  usage: '',
  positionals: { min: 0, max: 0 },
  reads: true,
  async run(ctx) {
    const { operators } = await ctx.api().get<OperatorList>('/v1/operators');
    if (ctx.json) return ctx.printJson({ operators });
    ctx.print(
      table(
        ['id', 'name', 'role', 'state', 'created'],
        operators.map((o) => [
          o.id,
          o.name,
          o.role,
          o.revokedAt
            ? `revoked ${o.revokedAt}`
            : o.configured
              ? 'active (AAR_OPERATOR_TOKEN)'
              : o.rotatedAt
                ? `active, rotated ${o.rotatedAt}`
                : 'active',
          `${o.createdAt}${o.createdBy ? ` by ${o.createdBy}` : ''}`,
        ]),
      ),
    );
    return 0;
  },
};

export const operatorMint: Command = {
  path: ['operator', 'mint'],
  summary: 'Mint a named operator identity with a role; prints its token once',
  usage: '--name <name> --role <viewer|operator|approver|admin>',
  options: {
    name: { type: 'string', description: 'Who it is (recorded on every action and sign-off); never reused.' },
    role: {
      type: 'string',
      description:
        'viewer (reads), operator (+ acts on campaigns), approver (+ signs off promotions, clears flags), admin (+ manages identities).',
      choices: OPERATOR_ROLES,
    },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx, input) {
    const name = stringOpt(input, 'name');
    const role = stringOpt(input, 'role');
    if (name === undefined || role === undefined) throw new UsageError('give --name and --role');
    if (!(OPERATOR_ROLES as readonly string[]).includes(role))
      throw new UsageError(`--role is one of ${OPERATOR_ROLES.join(', ')}, not '${role}'`);
    const minted = await ctx
      .api()
      .post<MintedOperator>('/v1/operators', { name, role: role as OperatorRole });
    return printMinted(ctx, minted, 'minted');
  },
};

export const operatorRotate: Command = {
  path: ['operator', 'rotate'],
  summary: 'Give an identity a new token; the old one and its dashboard sessions stop working now',
  usage: '<operator-id>',
  positionals: { min: 1, max: 1 },
  async run(ctx, input) {
    const id = operatorIdOf(input.positionals[0]);
    const minted = await ctx.api().post<MintedOperator>(`/v1/operators/${id}/rotate`);
    return printMinted(ctx, minted, 'rotated');
  },
};

export const operatorRevoke: Command = {
  path: ['operator', 'revoke'],
  summary: 'Revoke an identity now (idempotent): its token and dashboard sessions stop working',
  usage: '<operator-id>',
  positionals: { min: 1, max: 1 },
  async run(ctx, input) {
    const id = operatorIdOf(input.positionals[0]);
    const record = await ctx.api().delete<OperatorIdentity>(`/v1/operators/${id}`);
    if (ctx.json) return ctx.printJson(record);
    ctx.print(`revoked ${record.id} (${record.name}) at ${record.revokedAt}`);
    return 0;
  },
};
