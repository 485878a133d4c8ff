import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Config } from '../runtime/config.js';
import type { HttpClient } from './http-client.js';

/** Exit codes of `aar`: success, failure (of the thing asked), wrong usage or configuration. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Wrong usage: unknown command or option, missing argument. Exits 2 with the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure to report in one line (no stack trace). Exits 1 unless `exitCode` says otherwise. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Plain words for the file-system errors an output path meets. */
const WRITE_FAILURES: Record<string, string> = {
  EEXIST: 'a part of the path is a file, not a folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
};

/**
 * Writes a file a command was asked for (`--out`, `--metrics-file`), creating its folder; a path
 * that cannot be written is a clear failure naming the path and the reason, not a stack trace.
 */
export async function writeOutput(path: string, text: string, option: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const reason = WRITE_FAILURES[code] ?? (error as Error).message;
    throw new CliError(`cannot write ${path}: ${reason}; choose another ${option}`);
  }
}

export type OptionSpec = {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly description: string;
  /** Words the shell completion offers for the option's value. */
  readonly choices?: readonly string[];
};

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** What a command is given: configuration, clients and output, all created on first use. */
export interface RunContext {
  config(): Config;
  /** The api server with the operator token. */
  api(): HttpClient;
  /** The eval server with its admin token. */
  evalAdmin(): HttpClient;
  /** `--json` was given: print JSON only. */
  readonly json: boolean;
  readonly stdout: { write(text: string): void; readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: { write(text: string): void };
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  /** Prints one line (or several) to stdout. */
  print(text?: string): void;
  /** Prints a value as indented JSON to stdout; returns exit code 0. */
  printJson(value: unknown): number;
  /** Prints a note to stderr (never mixed into JSON output). */
  note(text: string): void;
}

export interface Command {
  /** The words that name it: `['campaign', 'start']`. */
  readonly path: readonly string[];
  readonly summary: string;
  /** Positionals and options after the command words, for the usage line. */
  readonly usage: string;
  readonly options?: Readonly<Record<string, OptionSpec>>;
  readonly positionals: { readonly min: number; readonly max: number };
  /** A read command: accepts `--json`. */
  readonly reads?: boolean;
  /** Longer help: what it does, examples. */
  readonly details?: string;
  run(ctx: RunContext, input: Parsed): Promise<number | undefined>;
}

/** A string option's value, or undefined. */
export const stringOpt = (input: Parsed, name: string): string | undefined => {
  const value = input.values[name];
  return typeof value === 'string' ? value : undefined;
};

/** A positive integer option, or `fallback`. */
export function intOpt(input: Parsed, name: string, fallback: number): number {
  const raw = stringOpt(input, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`--${name} expects a positive integer, not '${raw}'`);
  return Number(raw);
}
