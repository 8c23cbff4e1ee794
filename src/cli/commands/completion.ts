// `flink completion bash|zsh|fish` prints a completion script; the scripts call the hidden
// `flink __complete -- <words>`, which prints the candidates for the last word, one a line. Completion only
// reads: job ids come from GET /jobs/overview (short timeout, no retries, never starts the coordinator),
// snapshot paths from a scan of the configured directories; any failure just means fewer candidates.
import type { Command } from 'commander';
import type { JobsOverview } from '../../rest-api/types.js';
import { UsageError } from '../../domain/errors.js';
import { isGloballyTerminal } from '../../domain/job-status.js';
import { createContext } from '../context.js';
import { emit } from '../output/export.js';
import type { CommandContext } from '../context.js';
import type { CommandModule, ProgramDeps } from '../program.js';
import { completionScript, SHELLS, type Shell } from '../services/completion-scripts.js';
import type { CompletionSpec, ValueKind } from '../services/completion-spec.js';

/** Lookups give up after this long: a prompt must not hang on an unreachable cluster. */
export const LOOKUP_TIMEOUT_MS = 800;

export const completionCommand: CommandModule = {
  name: 'completion',
  register(program, deps) {
    return program
      .command('completion')
      .argument('<shell>', `the shell: ${SHELLS.join(', ')}`)
      .addHelpText(
        'after',
        [
          '',
          'Completes commands, options, fixed option values, job ids (from the reachable cluster) and snapshot',
          'paths (from the configured savepoint and checkpoint directories).',
          '',
          'Examples:',
          '  source <(flink completion bash)          # this shell',
          '  flink completion bash > ~/.local/share/bash-completion/completions/flink',
          '  flink completion zsh > "${fpath[1]}/_flink"',
          '  flink completion fish > ~/.config/fish/completions/flink.fish',
          '',
        ].join('\n'),
      )
      .action(async (shell: string, _opts: unknown, command: Command) => {
        const ctx = await deps.contextFor(command);
        if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`Unknown shell '${shell}': expected ${SHELLS.join(', ')}.`);
        const script = completionScript(shell as Shell);
        await emit(ctx.io, { data: { shell, script }, human: (io) => void io.stdout.write(script) });
      });
  },
};

export const completeCommand: CommandModule = {
  name: '__complete',
  register(program, deps) {
    return program
      .command('__complete', { hidden: true })
      .argument('[words...]', 'the words after flink; the last one is the word being completed')
      .allowUnknownOption()
      .helpOption(false)
      .action(async (words: string[], _opts: unknown, command: Command) => {
        const ctx = await deps.contextFor(command);
        try {
          const lines = await candidatesFor(deps, ctx, words.length === 0 ? [''] : words);
          if (lines.length > 0) ctx.io.stdout.write(lines.join('\n') + '\n');
        } catch {
          // A completion that fails offers nothing; it never prints an error into the prompt.
        }
      });
  },
};

/**
 * The spec for completing `words`: every command's name, and the full declaration (options, arguments) of
 * the one command the words name, loaded as `flink help <command>` loads it. Loading only that one keeps
 * a <TAB> fast.
 */
export async function loadSpec(deps: ProgramDeps, words: readonly string[]): Promise<CompletionSpec> {
  const [{ COMMANDS }, { specFromCommands }, { Command: Cmd }, { addGlobalOptions, commandNameOf, SINGLE_DASH_LONG }] = await Promise.all([
    import('./index.js'),
    import('../services/completion-spec.js'),
    import('commander'),
    import('../program.js'),
  ]);
  const named = commandNameOf(words.slice(0, -1).map((w) => SINGLE_DASH_LONG[w] ?? w));
  const declared = [];
  for (const entry of COMMANDS) {
    const command = entry.name === named ? await deps.describe(entry.name) : new Cmd(entry.name);
    if (command) declared.push({ command, summary: entry.summary, hidden: entry.hidden === true });
  }
  return specFromCommands(addGlobalOptions(new Cmd('flink')).option('-v, --version'), declared);
}

export async function candidatesFor(deps: ProgramDeps, ctx: CommandContext, words: readonly string[]): Promise<string[]> {
  const [{ completionFor }, { SINGLE_DASH_LONG }] = await Promise.all([import('../services/completion-spec.js'), import('../program.js')]);
  const request = completionFor(await loadSpec(deps, words), words, SINGLE_DASH_LONG);
  const found = new Set(request.candidates);
  const directives: string[] = [];
  const lookupCtx = createContext({ io: ctx.io, env: ctx.env, cwd: ctx.cwd }, { ...ctx.globals, ...request.globals, D: request.globals.D });
  await Promise.all(
    request.lookups.map(async (kind) => {
      if (kind === 'file' || kind === 'dir') directives.push(`:${kind}`);
      else for (const value of await lookup(kind, lookupCtx, deps).catch(() => [])) if (value.startsWith(request.prefix)) found.add(value);
    }),
  );
  return [...found, ...directives];
}

async function lookup(kind: Exclude<ValueKind, 'file' | 'dir'>, ctx: CommandContext, deps: ProgramDeps): Promise<string[]> {
  if (kind === 'job' || kind === 'active-job') return jobIds(ctx, kind === 'active-job');
  if (kind === 'snapshot') return withTimeout(snapshotPaths(ctx), []);
  if (kind === 'config-key') {
    const [{ KEYS }, { namesOf }] = await Promise.all([import('../../config/keys.js'), import('../../config/resolve.js')]);
    return KEYS.flatMap((k) => namesOf(k));
  }
  void deps;
  return (await import('./index.js')).COMMANDS.filter((c) => !c.hidden).map((c) => c.name);
}

/**
 * Jobs that have not ended first, then the others, as the cluster lists them; `activeOnly`: only those (what
 * savepoint, stop, cancel, checkpoint and upgrade can act on). GET only; never starts anything.
 */
async function jobIds(ctx: CommandContext, activeOnly: boolean): Promise<string[]> {
  const [config, { endpointFromConfig }, { quickGet }] = await Promise.all([ctx.config(), import('../endpoint.js'), import('../../client/quick-get.js')]);
  const { body } = await quickGet<JobsOverview>(endpointFromConfig(config, ctx.env), '/jobs/overview', LOOKUP_TIMEOUT_MS);
  const active = (state: string) => !isGloballyTerminal(state);
  const jobs = (body.jobs ?? []).filter((j) => !activeOnly || active(j.state));
  return [...jobs].sort((a, b) => Number(active(b.state)) - Number(active(a.state))).map((j) => j.jid);
}

/** Complete snapshots under the configured (local) savepoint and checkpoint directories, newest first. */
async function snapshotPaths(ctx: CommandContext): Promise<string[]> {
  const [config, { resolveSavepointTarget }, { hasScheme }, { storageOf }] = await Promise.all([
    ctx.config(),
    import('../../config/savepoint-target.js'),
    import('../../domain/pointers.js'),
    import('../services/storage.js'),
  ]);
  // A TAB never waits for an object store: local roots only.
  const roots = [resolveSavepointTarget(config).directory, config.string('execution.checkpointing.dir')].filter(
    (d): d is string => d !== undefined && (!hasScheme(d) || /^file:/i.test(d)),
  );
  const entries = await (await storageOf(ctx)).scan(roots);
  return entries
    .filter((e) => e.state === 'complete')
    .sort((a, b) => (b.completedAt ?? 0) - (a.completedAt ?? 0))
    .map((e) => e.path);
}

function withTimeout<T>(work: Promise<T>, fallback: T): Promise<T> {
  return Promise.race([work, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), LOOKUP_TIMEOUT_MS).unref())]);
}
