// Runs one invocation: parse, dispatch, and map whatever went wrong to one line and one exit code.
// This is the only place that decides exit codes (see exit-codes.ts).
import { CommanderError } from 'commander';
import { isFlinkCliError, UnreachableError } from '../domain/errors.js';
import { describeIoError } from '../domain/io-errors.js';
import type { CommandContext, ContextInit } from './context.js';
import { exitCodeFor } from './exit-codes.js';
import { finishOutput, type JsonError } from './output/export.js';
import { buildProgram, commandNameOf, commandPathOf, normalizeFlinkArgv, type ProgramDeps } from './program.js';

/** Commands that change state: each run appends one line to the audit log. */
const AUDITED = new Set(['run', 'savepoint', 'stop', 'cancel', 'checkpoint', 'restore', 'dispose', 'upgrade', 'savepoints']);

export async function runCli(typed: readonly string[], init: ContextInit): Promise<number> {
  const started = Date.now();
  const argv = versionFlagAsCommand(typed);
  const { program, deps } = await buildProgram(init, argv);
  // Output options matter even when parsing fails before any command runs. Words after `--` are operands
  // (`flink __complete -- list --json`), never options of this invocation.
  const options = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  init.io.setMode({
    json: options.includes('--json'),
    quiet: options.includes('-q') || options.includes('--quiet'),
    color: !options.includes('--no-color'),
    debug: options.includes('--debug'),
  });
  let code = 0;
  let failure: unknown;
  let error: JsonError | undefined;
  try {
    await program.parseAsync(normalizeFlinkArgv(argv), { from: 'user' });
  } catch (thrown) {
    failure = thrown;
    ({ code, error } = await report(thrown, init, argv, deps.current?.context));
  }
  if (deps.current) await (await import('./services/storage.js')).closeStorage(deps.current.context);
  // One invocation, one JSON document: the result, the error, or both (never --help's text and a document).
  if (!isHelp(failure)) finishOutput(init.io, error);
  await audit(deps, argv, code, failure, started, init.via);
  return code;
}

/** `flink --version` without a command runs `flink version`, which also asks the cluster for its Flink version. */
export function versionFlagAsCommand(argv: readonly string[]): string[] {
  const at = argv.findIndex((a) => a === '--version' || a === '-v');
  if (at < 0 || commandNameOf(argv) !== undefined) return [...argv];
  return ['version', ...argv.filter((_, i) => i !== at)];
}

async function audit(deps: ProgramDeps, argv: readonly string[], exitCode: number, failure: unknown, started: number, via?: string): Promise<void> {
  const current = deps.current;
  // A subcommand (savepoints prune) is audited as its command, savepoints.
  const top = current && current.command.parent?.parent ? current.command.parent : current?.command;
  if (!current || !top || !AUDITED.has(top.name())) return;
  const { context } = current;
  // Read-only forms of audited commands (listing, inspecting, status, dry runs) are not state changes.
  if (top.name() === 'savepoints' && !['prune', 'gc', 'pin', 'unpin'].includes(current.command.name())) return;
  if (current.command.name() === 'savepoint' && current.command.args[0] === 'status') return;
  if (argv.includes('--dry-run')) return;
  try {
    const [{ appendAudit, currentUser, redactArgv }, { coordinatorStateDir }, os] = await Promise.all([
      import('./audit.js'),
      import('../config/state-dir.js'),
      import('node:os'),
    ]);
    const config = await context.config();
    const file = config.string('audit.log') ?? (await import('node:path')).join(coordinatorStateDir(config, context.env, context.cwd), 'audit.log');
    appendAudit(file, {
      time: new Date(started).toISOString(),
      user: currentUser(context.env),
      host: os.hostname(),
      command: top.name(),
      argv: redactArgv(argv), // a secret given with -D never reaches the log
      ...(via ? { via } : {}),
      ...(context.audit.job ? { job: context.audit.job } : {}),
      paths: context.audit.paths,
      ...(context.audit.forced ? { forced: true, reason: context.audit.reason } : {}),
      result: exitCode === 0 ? 'ok' : 'failed',
      exitCode,
      ...(failure instanceof Error ? { error: failure.message } : {}),
      durationMs: Date.now() - started,
    });
  } catch (error) {
    context.io.warn(`Could not write the audit log: ${(error as Error).message}`);
  }
}

/** --help and --version end with a CommanderError whose exitCode is 0, their text on stdout. */
function isHelp(error: unknown): boolean {
  return error instanceof CommanderError && (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version');
}

interface Outcome {
  code: number;
  /** The "error" of the JSON document. */
  error?: JsonError;
}

async function report(error: unknown, init: ContextInit, argv: readonly string[], context?: CommandContext): Promise<Outcome> {
  const { io } = init;
  if (error instanceof CommanderError) {
    if (isHelp(error)) return { code: 0 };
    if (error.code === 'commander.help') {
      // No command given: the help went to stderr.
      const code = exitCodeFor('usage');
      return { code, error: { kind: 'usage', message: 'No command given.', exitCode: code } };
    }
    await io.loadColors();
    const message = error.message.replace(/^error: /, '');
    const command = commandPathOf(argv);
    return printError(
      init,
      'usage',
      capitalize(message),
      `Run 'flink ${command && error.code !== 'commander.unknownCommand' ? command + ' ' : ''}--help' for usage.`,
    );
  }
  await io.loadColors();
  if (isFlinkCliError(error)) {
    if (io.mode.debug && error.stack) io.stderr.write(error.stack + '\n');
    // Where the coordinator is, or how to reach it, is known to the CLI only (not to the REST client).
    const hint =
      error instanceof UnreachableError && context
        ? await (await import('./services/unreachable.js')).unreachableHint(context, error).catch(() => error.hint)
        : error.hint;
    const outcome = printError(init, error.kind, error.message, hint, error.kind === 'timeout' ? (error as { triggerId?: string }).triggerId : undefined);
    return error.details ? { ...outcome, error: { ...error.details, ...outcome.error! } } : outcome;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  if (io.mode.debug && err.stack) io.stderr.write(err.stack + '\n');
  // A full or read-only disk is the environment, not a bug of this tool: the operation failed.
  const storage = describeIoError(err);
  if (storage !== undefined) return printError(init, 'operation-failed', `${capitalize(storage)}.`);
  return printError(
    init,
    'internal',
    `Internal error: ${err.message}`,
    io.mode.debug ? undefined : 'Rerun with --debug for a stack trace, and please report it.',
  );
}

/** The one line (and hint) on stderr, and the exit code and JSON "error" of the failure. */
function printError(init: ContextInit, kind: Parameters<typeof exitCodeFor>[0], message: string, hint?: string, triggerId?: string): Outcome {
  const { io } = init;
  const code = exitCodeFor(kind);
  io.stderr.write(kind === 'nothing-to-do' ? `${message}\n` : `${io.err.red('Error:')} ${message}\n`);
  if (hint) io.stderr.write(`${hint}\n`);
  return { code, error: { kind, message, exitCode: code, ...(hint ? { hint } : {}), ...(triggerId ? { triggerId } : {}) } };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
