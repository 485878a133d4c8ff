import { readFileSync } from 'node:fs';
import { type Static, Type } from 'typebox';
import { parseWith } from '../../../core/validation.js';

/** US dollars per million tokens of each kind, for one model. */
export const ModelPrice = Type.Object(
  {
    input: Type.Number({ minimum: 0 }),
    output: Type.Number({ minimum: 0 }),
    cacheRead: Type.Number({ minimum: 0 }),
    cacheWrite: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ModelPrice = Static<typeof ModelPrice>;

/**
 * Prices by model id. A key also prices the model's dated snapshots (`claude-sonnet-4-5-20250929`
 * takes the price of `claude-sonnet-4-5`); any other model must be listed.
 */
export const PriceTable = Type.Record(Type.String({ minLength: 1, maxLength: 100 }), ModelPrice);
export type PriceTable = Static<typeof PriceTable>;

const price = (input: number, output: number): ModelPrice => ({
  input,
  output,
  cacheRead: input / 10,
  cacheWrite: input * 1.25,
});

/**
 * The built-in table (list prices per million tokens, 5-minute cache writes at 1.25× input, cache
 * reads at 0.1× input). Check it against your contract: `AAR_CLAUDE_PRICES_FILE` overrides and
 * extends it.
 */
export const DEFAULT_PRICES: PriceTable = {
  'claude-opus-4-6': price(5, 25),
  'claude-opus-4-5': price(5, 25),
  'claude-opus-4-1': price(15, 75),
  'claude-opus-4': price(15, 75),
  'claude-sonnet-4-6': price(3, 15),
  'claude-sonnet-4-5': price(3, 15),
  'claude-sonnet-4': price(3, 15),
  'claude-haiku-4-5': price(1, 5),
};

/** Reads a JSON price table file over the defaults (a model in the file replaces the default's entry). */
export function loadPriceTable(path: string | undefined): PriceTable {
  if (path === undefined || path === '') return DEFAULT_PRICES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the price table ${path} as JSON (${(error as Error).message})`);
  }
  return { ...DEFAULT_PRICES, ...parseWith(PriceTable, parsed, `price table ${path}`) };
}

/** The price of a model: its own entry, else that of the model it is a dated snapshot of; undefined when none. */
export function priceOf(table: PriceTable, model: string): ModelPrice | undefined {
  return table[model] ?? table[model.replace(/-\d{8}$/, '')];
}

/** Token counts of one response, by how they are billed. */
export interface TokenCounts {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
}

/** What a response cost in US dollars, rounded to the ledger's precision (a millionth of a dollar). */
export function costOf(p: ModelPrice, t: TokenCounts): number {
  const micro =
    t.inputTokens * p.input +
    t.outputTokens * p.output +
    t.cacheReadTokens * p.cacheRead +
    t.cacheWriteTokens * p.cacheWrite;
  return Math.round(micro) / 1e6;
}

export const totalTokens = (t: TokenCounts): number =>
  t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWriteTokens;
