// Shell completion, the pure part: a spec of every command read from the commander definitions (one
// source of truth), and the rule that turns the words typed so far into candidates. Dynamic values (job
// ids, snapshot paths) are only named here; completion.ts looks them up, read-only and time-bounded.
import type { Command } from 'commander';

/** What a value is, when it is not a fixed list: looked up (job, snapshot, config key) or left to the shell (file, dir). */
export type ValueKind = 'job' | 'active-job' | 'snapshot' | 'file' | 'dir' | 'config-key' | 'command';

export interface ValueSpec {
  values?: readonly string[];
  kinds?: readonly ValueKind[];
}

export interface OptionSpec {
  flags: string[];
  /** Takes a value: required (<v>) or optional ([v], completed only when typed as the next word). */
  value?: 'required' | 'optional';
  completes?: ValueSpec;
}

export interface CommandSpec {
  name: string;
  summary: string;
  hidden: boolean;
  options: OptionSpec[];
  /** Positional arguments in order; the last one may be variadic. */
  args: Array<{ name: string; variadic: boolean; completes?: ValueSpec }>;
  /** What each position completes to, where a variadic argument takes several kinds (savepoint <jobId> [dir]). */
  positions?: ValueSpec[];
  /** Its subcommands (savepoints prune, ...); the first runs when none is named. */
  subcommands?: CommandSpec[];
}

export interface CompletionSpec {
  globals: OptionSpec[];
  commands: CommandSpec[];
}

/** Option values that are a fixed set or a lookup, by long flag. */
const OPTION_VALUES: Record<string, ValueSpec> = {
  '--type': { values: ['canonical', 'native'] },
  '--claimMode': { values: ['claim', 'no_claim'] },
  '--restoreMode': { values: ['claim', 'no_claim'] },
  '--fromSavepoint': { kinds: ['snapshot'] },
  '--dispose': { kinds: ['snapshot'] },
  '--from-job': { kinds: ['job'] },
  '--job': { kinds: ['job'] },
  '--dir': { kinds: ['dir'] },
  '--savepointPath': { kinds: ['dir'] },
  '--withSavepoint': { kinds: ['dir'] },
  '--config-dir': { kinds: ['dir'] },
  '--path': { kinds: ['dir'] },
  '--previous': { kinds: ['file'] },
  '--jarfile': { kinds: ['file'] },
  '--explain': { kinds: ['config-key'] },
};

/** Positional values by command (or "command subcommand") and position (the last entry repeats for variadic arguments). */
const ARG_VALUES: Record<string, ValueSpec[]> = {
  run: [{ kinds: ['file'] }, { kinds: ['file'] }],
  restore: [{ values: ['latest'], kinds: ['snapshot'] }, { kinds: ['file'] }, { kinds: ['file'] }],
  // Commands that act on a job that has not ended offer only those ('active-job'); looking at history, any.
  upgrade: [{ kinds: ['active-job'] }, { kinds: ['file'] }, { kinds: ['file'] }],
  savepoint: [{ values: ['status'], kinds: ['active-job'] }, { kinds: ['dir'] }],
  'savepoints list': [{ kinds: ['job'] }],
  'savepoints pin': [{ kinds: ['snapshot'] }],
  'savepoints unpin': [{ kinds: ['snapshot'] }],
  'savepoints inspect': [{ kinds: ['snapshot'] }],
  'savepoints state': [{ kinds: ['snapshot'] }],
  'savepoints diff': [{ kinds: ['snapshot'] }],
  dispose: [{ kinds: ['snapshot'] }],
  stop: [{ kinds: ['active-job'] }],
  cancel: [{ kinds: ['active-job'] }],
  checkpoint: [{ kinds: ['active-job'] }],
  checkpoints: [{ kinds: ['job'] }],
  cluster: [{ values: ['start', 'stop', 'status'] }],
  config: [{ kinds: ['config-key'] }],
  help: [{ values: ['exit-codes'], kinds: ['command'] }],
  completion: [{ values: ['bash', 'zsh', 'fish'] }],
};

function optionSpecs(command: Command): OptionSpec[] {
  return command.options
    .filter((o) => !o.hidden)
    .map((o) => {
      const flags = [o.long, o.short].filter((f): f is string => typeof f === 'string' && f !== '');
      const choices = o.argChoices ? { values: o.argChoices } : undefined;
      return {
        flags,
        value: o.required ? 'required' : o.optional ? 'optional' : undefined,
        completes: choices ?? (o.long ? OPTION_VALUES[o.long] : undefined),
      };
    });
}

/** Reads the spec from fully declared commands (each as `flink help <name>` sees it) and the root program. */
export function specFromCommands(root: Command, commands: ReadonlyArray<{ command: Command; summary: string; hidden: boolean }>): CompletionSpec {
  return { globals: optionSpecs(root), commands: commands.map(({ command, summary, hidden }) => commandSpec(command, summary, hidden)) };
}

function commandSpec(command: Command, summary: string, hidden: boolean, parent?: string): CommandSpec {
  const key = parent === undefined ? command.name() : `${parent} ${command.name()}`;
  const positions = ARG_VALUES[key] ?? [];
  const subcommands = command.commands.map((c) => commandSpec(c, c.description(), false, key));
  return {
    name: command.name(),
    summary,
    hidden,
    positions: ARG_VALUES[key],
    options: optionSpecs(command),
    args: command.registeredArguments.map((a, i) => ({
      name: a.name(),
      variadic: a.variadic,
      completes: a.argChoices ? { values: a.argChoices } : positions[Math.min(i, positions.length - 1)],
    })),
    ...(subcommands.length > 0 ? { subcommands } : {}),
  };
}

/** A command's options; before its subcommand is named, also those of the default one (savepoints --dir). */
function optionsOf(command: CommandSpec | undefined): OptionSpec[] {
  if (!command) return [];
  return command.subcommands ? [...command.options, ...command.subcommands[0].options] : command.options;
}

/** What to offer for the word under the cursor. */
export interface CompletionRequest {
  /** Candidates known without a lookup (already filtered by the prefix). */
  candidates: string[];
  /** Lookups to add (filtered by the prefix after the lookup). */
  lookups: ValueKind[];
  prefix: string;
  /** The global options typed so far (-m, --config-dir, -D), so lookups ask the cluster the user means. */
  globals: { jobmanager?: string; configDir?: string; D: string[] };
}

/**
 * `words` are the words after `flink`, the last one being the (possibly empty) word under the cursor.
 * Flink's single-dash spellings (-type, -cm) count as the options they stand for.
 */
export function completionFor(spec: CompletionSpec, words: readonly string[], aliases: Record<string, string> = {}): CompletionRequest {
  const current = words.length > 0 ? words[words.length - 1] : '';
  const before = words.slice(0, -1).map((w) => aliases[w] ?? w);
  const globals: CompletionRequest['globals'] = { D: [] };
  let command: CommandSpec | undefined;
  let positionals = 0;
  let pendingValue: OptionSpec | undefined;
  let afterDashDash = false;
  const find = (flag: string) => [...optionsOf(command), ...spec.globals].find((o) => o.flags.includes(flag));
  for (const word of before) {
    if (pendingValue) {
      const flag = pendingValue.flags[0];
      if (flag === '--jobmanager') globals.jobmanager = word;
      else if (flag === '--config-dir') globals.configDir = word;
      else if (pendingValue.flags.includes('-D')) globals.D.push(word);
      pendingValue = undefined;
      continue;
    }
    if (word === '--') {
      afterDashDash = true;
      continue;
    }
    if (!afterDashDash && word.startsWith('-') && word.length > 1) {
      const [flag, inline] = word.startsWith('--') ? splitInline(word) : [word.slice(0, 2), word.length > 2 ? word.slice(2) : undefined];
      const option = find(flag);
      if (option?.value === 'required' && inline === undefined) pendingValue = option;
      else if (option && inline !== undefined && flag === '-D') globals.D.push(inline);
      continue;
    }
    if (!command) {
      command = spec.commands.find((c) => c.name === word);
      if (!command) return { candidates: [], lookups: [], prefix: current, globals };
      continue;
    }
    if (command.subcommands) {
      // The first positional names a subcommand, or is the default subcommand's first argument.
      const named = command.subcommands.find((c) => c.name === word);
      command = named ?? command.subcommands[0];
      if (named) continue;
    }
    positionals++;
  }
  const result = (candidates: readonly string[], lookups: readonly ValueKind[] = []): CompletionRequest => ({
    candidates: [...new Set(candidates)].filter((c) => c.startsWith(current)),
    lookups: [...lookups],
    prefix: current,
    globals,
  });
  if (pendingValue) return result(pendingValue.completes?.values ?? [], pendingValue.completes?.kinds ?? (pendingValue.completes ? [] : ['file']));
  if (current.startsWith('-') && !afterDashDash) {
    const options = [...optionsOf(command), ...spec.globals];
    const flags = options.flatMap((o) => o.flags);
    return result(current.startsWith('--') || current === '-' ? flags.filter((f) => f.startsWith('--')) : flags);
  }
  if (!command) return result(spec.commands.filter((c) => !c.hidden).map((c) => c.name));
  if (command.subcommands) {
    const first = argumentValues(command.subcommands[0], 0);
    return result([...command.subcommands.map((c) => c.name), ...(first?.values ?? [])], first?.kinds ?? []);
  }
  const position = argumentValues(command, positionals);
  return result(position?.values ?? [], position?.kinds ?? []);
}

/** What the positional argument at `index` completes to (undefined past the last one). */
function argumentValues(command: CommandSpec, index: number): ValueSpec | undefined {
  const arg = command.args[Math.min(index, command.args.length - 1)];
  if (!arg || (index >= command.args.length && !arg.variadic)) return undefined;
  return command.positions?.[Math.min(index, command.positions.length - 1)] ?? arg.completes;
}

function splitInline(word: string): [string, string | undefined] {
  const eq = word.indexOf('=');
  return eq < 0 ? [word, undefined] : [word.slice(0, eq), word.slice(eq + 1)];
}
