// Runs one invocation: parse, dispatch, and map whatever went wrong to one line and one exit code.
// This is the only place that decides exit codes (see exit-codes.ts).
import { CommanderError } from 'commander';
import { isFlinkCliError } from '../domain/errors.js';
import type { ContextInit } from './context.js';
import { exitCodeFor } from './exit-codes.js';
import { buildProgram, normalizeFlinkArgv } from './program.js';

export async function runCli(argv: readonly string[], init: ContextInit): Promise<number> {
  const program = buildProgram(init);
  // Output options matter even when parsing fails before any command runs.
  init.io.setMode({
    json: argv.includes('--json'),
    quiet: argv.includes('-q') || argv.includes('--quiet'),
    color: !argv.includes('--no-color'),
    debug: argv.includes('--debug'),
  });
  try {
    await program.parseAsync(normalizeFlinkArgv(argv), { from: 'user' });
    return 0;
  } catch (error) {
    return report(error, init, argv);
  }
}

async function report(error: unknown, init: ContextInit, argv: readonly string[]): Promise<number> {
  const { io } = init;
  if (error instanceof CommanderError) {
    // --help and --version end with a CommanderError whose exitCode is 0.
    if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    if (error.code === 'commander.help') return exitCodeFor('usage'); // no command given: help was printed to stderr
    await io.loadColors();
    const message = error.message.replace(/^error: /, '');
    const command = argv.find((a) => !a.startsWith('-'));
    return printError(init, 'usage', capitalize(message), `Run 'flink ${command && error.code !== 'commander.unknownCommand' ? command + ' ' : ''}--help' for usage.`);
  }
  await io.loadColors();
  if (isFlinkCliError(error)) {
    if (io.mode.debug && error.stack) io.stderr.write(error.stack + '\n');
    return printError(init, error.kind, error.message, error.hint, error.kind === 'timeout' ? (error as { triggerId?: string }).triggerId : undefined);
  }
  const err = error instanceof Error ? error : new Error(String(error));
  if (io.mode.debug && err.stack) io.stderr.write(err.stack + '\n');
  return printError(init, 'internal', `Internal error: ${err.message}`, io.mode.debug ? undefined : 'Rerun with --debug for a stack trace, and please report it.');
}

function printError(init: ContextInit, kind: Parameters<typeof exitCodeFor>[0], message: string, hint?: string, triggerId?: string): number {
  const { io } = init;
  const code = exitCodeFor(kind);
  io.stderr.write(`${io.err.red('Error:')} ${message}\n`);
  if (hint) io.stderr.write(`${hint}\n`);
  if (io.mode.json) {
    const doc: Record<string, unknown> = { version: 1, error: { kind, message, exitCode: code } };
    if (hint) (doc.error as Record<string, unknown>).hint = hint;
    if (triggerId) (doc.error as Record<string, unknown>).triggerId = triggerId;
    io.stdout.write(JSON.stringify(doc) + '\n');
  }
  return code;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
