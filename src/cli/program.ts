// The root commander program: global options (accepted before and after the command name, as Flink users
// write them), Flink's single-dash long option spellings, and the list of commands.
import { Command, Option } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { COMMANDS } from './commands/index.js';
import { createContext, type CommandContext, type ContextInit, type GlobalOptions } from './context.js';
import { collect } from './options.js';

/** Declares the global options on a command (every command has them, so they work after its name). */
export function addGlobalOptions(command: Command): Command {
  return command
    .option('-m, --jobmanager <address>', 'address of the coordinator / JobManager REST endpoint (host:port or URL)')
    .option('--config-dir <dir>', 'configuration directory (config.yaml or flink-conf.yaml); overrides FLINK_CONF_DIR')
    .option('-D <property>', 'set a configuration property for this invocation (-D key=value or -Dkey=value), repeatable', collect)
    .option('--json', 'print one JSON document on stdout')
    .option('-q, --quiet', 'no notes on stderr (warnings and errors are still shown)')
    .option('--no-color', 'no colour, whatever the terminal supports')
    .option('--header', 'piped tables: a first line naming the columns (tab-separated, units in the names)')
    .option('--human', 'tables aligned and with units (ages, sizes) even when piped')
    .addOption(new Option('--debug', 'print stack traces of errors').hideHelp(false));
}

/** Reads the global options of an invocation: those given before the command name and those after it. */
export function globalsOf(command: Command): GlobalOptions {
  const chain: Command[] = [];
  for (let c: Command | null = command; c; c = c.parent) chain.unshift(c);
  const globals: GlobalOptions = { D: [], json: false, quiet: false, color: true, debug: false };
  for (const c of chain) {
    const o = c.opts() as Record<string, unknown>;
    if (typeof o.jobmanager === 'string') globals.jobmanager = o.jobmanager;
    if (typeof o.configDir === 'string') globals.configDir = o.configDir;
    if (Array.isArray(o.D)) globals.D.push(...(o.D as string[]));
    if (o.json === true) globals.json = true;
    if (o.quiet === true) globals.quiet = true;
    if (o.color === false) globals.color = false;
    if (o.debug === true) globals.debug = true;
    if (o.header === true) globals.header = true;
    if (o.human === true) globals.human = true;
  }
  return globals;
}

/** What a command module provides. `register` only declares; the work happens in the action it installs. */
export interface CommandModule {
  name: string;
  register(program: Command, deps: ProgramDeps): Command;
}

export interface ProgramDeps {
  /** A command fully declared (options, help text) on a program of its own, for `flink help <command>`. */
  describe(name: string): Promise<Command | undefined>;
  /** Builds the context for the command being run (applies output options, loads colours). */
  contextFor(command: Command): Promise<CommandContext>;
  /** The context of the command that ran (for the audit log), once contextFor was called. */
  current?: { command: Command; context: CommandContext };
}

// Flink spells some long options with one dash. Commander would read "-type" as "-t -y -p -e".
export const SINGLE_DASH_LONG: Record<string, string> = {
  '-type': '--type',
  '-detached': '--detached',
  '-cm': '--claimMode',
  '-rm': '--restoreMode',
  '-claimMode': '--claimMode',
  '-restoreMode': '--restoreMode',
  '-sae': '--shutdownOnAttachedExit',
  '-full': '--full',
};

/**
 * Commands that run a program: the positional at this index is the job file, and everything from there on
 * belongs to the job (as in Flink's `run`), so a `--` is put before it. Options go before the job file.
 */
const PROGRAM_COMMANDS: Record<string, number> = { run: 0, restore: 1, upgrade: 1 };
const VALUE_OPTIONS = new Set([
  '-s',
  '--fromSavepoint',
  '-p',
  '--parallelism',
  '-c',
  '--class',
  '-C',
  '--classpath',
  '-cm',
  '--claimMode',
  '-rm',
  '--restoreMode',
  '-m',
  '--jobmanager',
  '-D',
  '--config-dir',
  '--timeout',
  '--savepointPath',
  '--previous',
  '--name',
  '--from-job',
  '--dir',
]);

export function normalizeFlinkArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let command: string | undefined;
  let positionals = 0;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const mapped = SINGLE_DASH_LONG[token] ?? token;
    if (mapped.startsWith('-')) {
      out.push(mapped);
      if (VALUE_OPTIONS.has(mapped) && i + 1 < argv.length) out.push(argv[++i]);
      continue;
    }
    if (command === undefined) {
      command = mapped;
      out.push(mapped);
      continue;
    }
    if (command in PROGRAM_COMMANDS && positionals === PROGRAM_COMMANDS[command]) {
      out.push('--', ...argv.slice(i));
      break;
    }
    positionals++;
    out.push(mapped);
  }
  return out;
}

/** The command an argv names: the first token that is neither an option nor the value of a global option. */
export function commandNameOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') return undefined;
    if (token === '-m' || token === '--jobmanager' || token === '--config-dir' || token === '-D') {
      i++;
      continue;
    }
    if (!token.startsWith('-')) return token;
  }
  return undefined;
}

/** The command and, when it has subcommands, the one an argv names ("savepoints prune"), for usage hints. */
export function commandPathOf(argv: readonly string[]): string | undefined {
  const name = commandNameOf(argv);
  const subcommands = COMMANDS.find((c) => c.name === name)?.subcommands;
  if (name === undefined || !subcommands) return name;
  const next = commandNameOf(argv.slice(argv.indexOf(name) + 1));
  return next !== undefined && subcommands.includes(next) ? `${name} ${next}` : name;
}

export async function buildProgram(init: ContextInit, argv: readonly string[] = []): Promise<{ program: Command; deps: ProgramDeps }> {
  const program = new Command('flink');
  program
    .usage('<command> [options]')
    .description(
      'Savepoints, checkpoints and jobs of Apache Flink clusters and of the embedded local coordinator. ' +
        "Mirrors Flink's bin/flink and adds what FLIP-10 promised: a durable list of restorable snapshots, " +
        'restore from latest, periodic savepoints with bounded retention, cron- and CI-safe behaviour.',
    )
    .enablePositionalOptions()
    .helpCommand(false)
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => init.io.stdout.write(s),
      writeErr: (s) => init.io.stderr.write(s),
      outputError: () => {}, // main.ts prints errors, one line, with a usage hint
    })
    .version(`Version: ${TOOL_VERSION}`, '-v, --version', 'print the version');
  addGlobalOptions(program);

  const output = program.configureOutput();
  const declare = (target: Command, module: CommandModule, summary: string): Command => {
    const command = module.register(target, deps);
    command.description(summary);
    // Subcommands (savepoints prune, ...) take the global options after their own name too.
    for (const c of [command, ...command.commands]) {
      addGlobalOptions(c);
      c.exitOverride().configureOutput(output);
    }
    return command;
  };
  const deps: ProgramDeps = {
    async describe(name) {
      const entry = COMMANDS.find((c) => c.name === name);
      if (!entry) return undefined;
      return declare(new Command('flink').exitOverride().configureOutput(output), await entry.load(), entry.summary);
    },
    async contextFor(command) {
      const globals = globalsOf(command);
      init.io.setMode({
        json: globals.json,
        quiet: globals.quiet,
        color: globals.color,
        debug: globals.debug,
        header: Boolean(globals.header),
        human: Boolean(globals.human),
      });
      await init.io.loadColors();
      const context = createContext(init, globals);
      deps.current = { command, context };
      return context;
    },
  };
  // Only the command being run is loaded and fully declared; the others are listed for the help page.
  const invoked = commandNameOf(argv);
  for (const entry of COMMANDS) {
    if (entry.name === invoked) declare(program, await entry.load(), entry.summary);
    else
      program
        .command(entry.name, { hidden: entry.hidden })
        .description(entry.summary)
        .usage('[options] (flink ' + entry.name + ' --help)');
  }
  return { program, deps };
}
