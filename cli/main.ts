/**
 * `aar`: start, watch, steer and repair campaigns from a terminal. Talks to the api server (and to
 * the eval server for audit and tokens) with the tokens the configuration names; see `aar help`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig, REPO_ROOT } from '../runtime/config.js';
import { CliError, type Command, EXIT, type Parsed, type RunContext, UsageError } from './command.js';
import { ALIASES, COMMANDS } from './commands/index.js';
import { ApiError, createHttpClient, type HttpClient } from './http-client.js';

const name = (command: Command) => `aar ${command.path.join(' ')}`;
const usageLine = (command: Command) => `usage: ${name(command)} ${command.usage}`.trimEnd();

/** The overview `aar help` prints. */
export function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(' ').length));
  return [
    'aar: operate AAR campaigns (the api server at AAR_API_URL, with AAR_OPERATOR_TOKEN)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    `short forms: ${Object.keys(ALIASES)
      .map((a) => `aar ${a}`)
      .join(', ')} (the campaign commands)`,
    'every command takes --help and --json; exit codes: 0 success, 1 failure, 2 usage or configuration',
    'a campaign argument left out means the newest campaign',
  ].join('\n');
}

/** Detailed help of one command. */
export function commandHelp(command: Command): string {
  const options = Object.entries(command.options ?? {}).map(
    ([option, spec]) =>
      `  --${option}${spec.short ? `, -${spec.short}` : ''}${spec.type === 'string' ? ' <value>' : ''}\n      ${spec.description}`,
  );
  return [
    usageLine(command),
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    '',
    'options:',
    ...options,
    `  --json\n      ${command.reads ? 'Print JSON instead of text.' : 'Print the answer as JSON.'}`,
    '  --help, -h\n      This help.',
  ].join('\n');
}

/** The command named by the first words of `argv` (with aliases), and the rest of the words. */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | null {
  const words = argv.filter((w) => !w.startsWith('-'));
  const [first, second] = words;
  if (first === undefined) return null;
  const path = ALIASES[first]
    ? [...ALIASES[first]!, ...(second === undefined ? [] : [second])]
    : [first, second];
  const two = COMMANDS.find((c) => c.path.length === 2 && c.path[0] === path[0] && c.path[1] === path[1]);
  const one = COMMANDS.find((c) => c.path.length === 1 && c.path[0] === path[0]);
  const command = ALIASES[first]
    ? COMMANDS.find((c) => c.path.join(' ') === ALIASES[first]!.join(' '))
    : (two ?? one);
  if (command === undefined) return null;
  const consumed = ALIASES[first] ? 1 : command.path.length;
  const rest = [...argv];
  for (let removed = 0; removed < consumed; removed += 1) rest.splice(rest.indexOf(words[removed]!), 1);
  return { command, rest };
}

function parse(command: Command, args: string[]): Parsed & { help: boolean; json: boolean } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        ...Object.fromEntries(
          Object.entries(command.options ?? {}).map(([key, spec]) => [
            key,
            { type: spec.type, ...(spec.short ? { short: spec.short } : {}) },
          ]),
        ),
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const help = parsed.values.help === true;
  const { min, max } = command.positionals;
  if (!help && (parsed.positionals.length < min || parsed.positionals.length > max)) {
    throw new UsageError(
      parsed.positionals.length < min
        ? 'missing argument'
        : `unexpected argument${parsed.positionals.length - max > 1 ? 's' : ''} ${parsed.positionals
            .slice(max)
            .map((p) => `'${p}'`)
            .join(' ')}`,
    );
  }
  return {
    values: parsed.values as Parsed['values'],
    positionals: parsed.positionals,
    help,
    json: parsed.values.json === true,
  };
}

/** A run context on the process's streams, creating configuration and clients on first use. */
function contextFor(json: boolean, signal: AbortSignal): RunContext {
  let config: Config | undefined;
  const getConfig = () => {
    try {
      config ??= loadConfig();
      return config;
    } catch (error) {
      if (error instanceof ConfigError) throw new CliError(error.message, EXIT.usage);
      throw error;
    }
  };
  let api: HttpClient | undefined;
  let evalAdmin: HttpClient | undefined;
  const write = (text: string) => process.stdout.write(text);
  return {
    config: getConfig,
    api: () => {
      const c = getConfig();
      api ??= createHttpClient({
        baseUrl: c.AAR_API_URL,
        token: c.AAR_OPERATOR_TOKEN,
        what: 'api server',
        urlVariable: 'AAR_API_URL',
        tokenVariable: 'AAR_OPERATOR_TOKEN',
      });
      return api;
    },
    evalAdmin: () => {
      const c = getConfig();
      evalAdmin ??= createHttpClient({
        baseUrl: c.AAR_EVAL_URL,
        token: c.AAR_EVAL_ADMIN_TOKEN,
        what: 'eval server',
        urlVariable: 'AAR_EVAL_URL',
        tokenVariable: 'AAR_EVAL_ADMIN_TOKEN',
      });
      return evalAdmin;
    },
    json,
    stdout: process.stdout,
    stderr: process.stderr,
    signal,
    print: (text = '') => write(`${text}\n`),
    printJson: (value) => {
      write(`${JSON.stringify(value, null, 2)}\n`);
      return EXIT.ok;
    },
    note: (text) => process.stderr.write(`${text}\n`),
  };
}

/** Runs `aar` with `argv` (the words after `aar`) and resolves to its exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const err = (text: string) => process.stderr.write(`${text}\n`);
  if (argv.length === 0) {
    err(overview());
    return EXIT.usage;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string };
    process.stdout.write(`aar ${pkg.version}\n`);
    return EXIT.ok;
  }
  if (argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    const found = findCommand(argv.slice(1));
    process.stdout.write(`${found ? commandHelp(found.command) : overview()}\n`);
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (found === null) {
    const first = argv.find((w) => !w.startsWith('-')) ?? argv[0]!;
    const group = COMMANDS.filter((c) => c.path[0] === first);
    err(
      group.length > 0
        ? `aar ${first}: name a command: ${group.map((c) => c.path[1]).join(', ')} (aar help)`
        : `aar: unknown command '${argv.filter((w) => !w.startsWith('-')).join(' ')}' (aar help lists the commands)`,
    );
    return EXIT.usage;
  }
  const { command } = found;
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const input = parse(command, found.rest);
    if (input.help) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return EXIT.ok;
    }
    return (await command.run(contextFor(input.json, controller.signal), input)) ?? EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${name(command)}: ${error.message}\n${usageLine(command)}\n(aar help ${command.path.join(' ')})`);
      return EXIT.usage;
    }
    if (error instanceof ApiError) {
      err(`${name(command)}: ${error.message}`);
      for (const d of error.details) err(`  ${d.path}: ${d.message}`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      err(`${name(command)}: ${error.message}`);
      return error.exitCode;
    }
    if ((error as Error).name === 'AbortError' && controller.signal.aborted) return EXIT.ok;
    err(`${name(command)}: unexpected error: ${(error as Error).stack ?? String(error)}`);
    return EXIT.failure;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
