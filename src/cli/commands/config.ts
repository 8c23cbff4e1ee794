// `flink config [key...] [--explain <key>] [--path <dir>]`: effective configuration values with their
// origin, and the savepoint directory chain walked step by step.
import type { Command } from 'commander';
import path from 'node:path';
import { HIDDEN, isSecretKey, SAVEPOINT_DIR, SAVEPOINT_DIR_DEPRECATED, SAVEPOINT_DIR_FLIP10, specOf } from '../../config/keys.js';
import { namesOf, type ResolvedConfig, type ResolvedValue } from '../../config/resolve.js';
import { resolveSavepointTarget, type SavepointTarget } from '../../config/savepoint-target.js';
import { coordinatorStateDir } from '../../config/state-dir.js';
import { describeOrigin, type Origin } from '../../config/types.js';
import type { CommandContext } from '../context.js';
import { printTable } from '../output/table.js';
import { emit } from '../output/export.js';
import type { CommandModule } from '../program.js';

export interface ConfigOptions {
  keys: string[];
  explain?: string;
  /** With --explain of the savepoint directory: pretend this ad-hoc path was given. */
  path?: string;
  /** List every set key this tool does not read (exit 3 when one looks like a typo of a known key). */
  check?: boolean;
}

const SAVEPOINT_DIR_NAMES = new Set([SAVEPOINT_DIR, SAVEPOINT_DIR_FLIP10, SAVEPOINT_DIR_DEPRECATED, 'savepoint-dir', 'savepoints']);

export function parseConfigArgs(keys: string[], opts: { explain?: string; path?: string; check?: boolean }): ConfigOptions {
  return { keys, explain: opts.explain, path: opts.path, check: opts.check };
}

export const configCommand: CommandModule = {
  name: 'config',
  register(program, deps) {
    return program
      .command('config')
      .argument('[keys...]', 'keys to show (default: every key this tool reads, plus any other key that is set)')
      .option('--explain <key>', 'walk the resolution of one key step by step (e.g. state.savepoints.dir)')
      .option('--path <dir>', 'with --explain of the savepoint directory: as if this path were given to the operation')
      .option('--check', 'list every set key this tool does not read, with "did you mean" (exit 3 when one looks like a typo)')
      .addHelpText(
        'after',
        [
          '',
          'Examples:',
          '  flink config                                   every value with its origin',
          '  flink config rest.address rest.port',
          '  flink config --explain state.savepoints.dir    which step of the savepoint directory chain wins, and why',
          '  flink config --explain savepoint-dir --path /tmp/sp',
          '  flink config --json -D state.savepoints.dir=/tmp/sp',
          '  flink config --check                           keys this tool does not read (typos of known keys exit 3)',
          '',
        ].join('\n'),
      )
      .action(async (keys: string[], opts: { explain?: string; path?: string; check?: boolean }, command: Command) => {
        await runConfig(parseConfigArgs(keys, opts), await deps.contextFor(command));
      });
  },
};

export async function runConfig(options: ConfigOptions, ctx: CommandContext): Promise<void> {
  const config = await ctx.config();
  if (options.check) return check(ctx, config);
  if (options.explain !== undefined) {
    if (SAVEPOINT_DIR_NAMES.has(options.explain)) {
      await explainSavepointDir(ctx, config, options.path);
    } else {
      await explainKey(ctx, config, options.explain);
    }
    return;
  }
  const computed = computedDefaults(ctx, config);
  const values = (options.keys.length === 0 ? config.all() : options.keys.map((k) => config.get(k)))
    .map((v) => (v.value === undefined && computed[v.key] !== undefined ? { ...v, value: computed[v.key] } : v))
    .map(masked);
  const { io } = ctx;
  await emit(io, {
    data: { source: config.loaded.source, files: config.loaded.files, values: values.map(valueJson), warnings: config.warnings },
    human: async () => {
      if (options.keys.length === 1 && !io.isStdoutTTY) {
        // `$(flink config rest.port)` gives just the value.
        io.print(values[0].value ?? '');
        return;
      }
      const unset = io.isStdoutTTY ? '(not set)' : '';
      await printTable(
        io,
        [
          { header: 'KEY', value: (v: ResolvedValue) => v.key },
          { header: 'VALUE', value: (v) => v.value ?? unset, color: (t, v, o) => (v.value === undefined ? o.out.dim(t) : t) },
          { header: 'ORIGIN', value: (v) => originText(v), color: (t, _v, o) => o.out.dim(t) },
        ],
        values,
      );
      if (io.isStdoutTTY) io.note(io.err.dim(sourceNote(config)));
    },
  });
}

/** Secrets (s3.secret-key, fs.azure.account.key.*, tokens, passwords) are shown as ******, as Flink shows them. */
function masked<T extends { value?: string }>(v: T & { key: string; spelledAs?: string }): T {
  return v.value !== undefined && (isSecretKey(v.key) || (v.spelledAs !== undefined && isSecretKey(v.spelledAs))) ? { ...v, value: HIDDEN } : v;
}

/** Defaults that depend on the environment or on another key (the state directory and what lives in it). */
function computedDefaults(ctx: CommandContext, config: ResolvedConfig): Record<string, string> {
  const dir = coordinatorStateDir(config, ctx.env, ctx.cwd);
  return { 'coordinator.dir': dir, 'audit.log': path.join(dir, 'audit.log') };
}

function originText(v: ResolvedValue): string {
  const where = v.value === undefined ? '' : describeOrigin(v.origin);
  return v.spelledAs ? `${where} (as ${v.spelledAs})` : where;
}

function sourceNote(config: ResolvedConfig): string {
  const files = config.loaded.files.map((f) => f.path);
  if (files.length === 0) return 'No configuration file found (--config-dir, FLINK_CONF_DIR, or a .flinkrc / conf/config.yaml here).';
  return `Configuration read from ${files.join(', ')} (found via ${config.loaded.source}).`;
}

function originJson(origin: Origin | undefined): Record<string, unknown> | undefined {
  return origin ? { ...origin } : undefined;
}

function valueJson(v: ResolvedValue): Record<string, unknown> {
  return { key: v.key, value: v.value ?? null, origin: originJson(v.origin), ...(v.spelledAs ? { spelledAs: v.spelledAs } : {}) };
}

async function explainSavepointDir(ctx: CommandContext, config: ResolvedConfig, adHoc: string | undefined): Promise<void> {
  const target: SavepointTarget = resolveSavepointTarget(config, adHoc === undefined ? undefined : { path: adHoc, what: '--path' });
  const { io } = ctx;
  for (const warning of target.warnings) io.warn(warning);
  await emit(io, {
    data: {
      key: SAVEPOINT_DIR,
      directory: target.directory ?? null,
      step: target.step,
      origin: originJson(target.origin) ?? null,
      candidates: target.candidates.map((c) => ({ ...c, value: c.value ?? null, origin: originJson(c.origin) ?? null })),
      warnings: target.warnings,
    },
    human: async () => {
      if (io.isStdoutTTY) {
        io.print(
          target.directory === undefined
            ? `Savepoint target directory: ${io.out.bold("the cluster's default")} (step 4: nothing is configured here)`
            : `Savepoint target directory: ${io.out.bold(target.directory)} (step ${target.step}, from ${describeOrigin(target.origin!)})`,
        );
        io.print('');
      }
      await printTable(
        io,
        [
          { header: 'STEP', value: (c: SavepointTarget['candidates'][number]) => String(c.step) },
          { header: 'SOURCE', value: (c) => c.name },
          { header: 'VALUE', value: (c) => c.value ?? '-' },
          { header: 'ORIGIN', value: (c) => (c.origin ? describeOrigin(c.origin) : '-') },
          {
            header: 'OUTCOME',
            value: (c) => (c.reason ? `${c.outcome} (${c.reason})` : c.outcome),
            color: (t, c, o) =>
              c.outcome === 'used' ? o.out.green(t) : c.outcome === 'not set' || c.outcome === 'not needed' ? o.out.dim(t) : o.out.yellow(t),
          },
        ],
        target.candidates,
      );
    },
  });
}

async function explainKey(ctx: CommandContext, config: ResolvedConfig, key: string): Promise<void> {
  const { io } = ctx;
  const spec = specOf(key);
  const resolved = masked(config.get(key));
  const names = spec ? namesOf(spec) : [key];
  const rows = names.map((name) => {
    const entry = config.lookup(name);
    const deprecated = spec?.deprecated?.includes(name) ?? false;
    const used = entry !== undefined && (resolved.spelledAs ?? resolved.key) === name;
    const value = entry?.value !== undefined && isSecretKey(name) ? HIDDEN : entry?.value;
    return { name: deprecated ? `${name} (deprecated)` : name, value, origin: entry?.origin, outcome: used ? 'used' : entry ? 'shadowed' : 'not set' };
  });
  if (spec?.fallback) {
    const fb = config.lookup(spec.fallback);
    rows.push({
      name: `${spec.fallback} (fallback)`,
      value: fb?.value,
      origin: fb?.origin,
      outcome: fb && resolved.spelledAs === spec.fallback ? 'used' : fb ? 'shadowed' : 'not set',
    });
  }
  const fallbackDefault = spec?.default ?? (spec ? computedDefaults(ctx, config)[spec.key] : undefined);
  rows.push({
    name: 'default',
    value: fallbackDefault,
    origin: undefined,
    outcome: resolved.origin.kind === 'default' && fallbackDefault !== undefined ? 'used' : fallbackDefault === undefined ? 'not set' : 'not needed',
  });
  const effective = resolved.value ?? (resolved.origin.kind === 'default' ? fallbackDefault : undefined);
  // A key this tool does not read may be a typo of one it does.
  const didYouMean = spec ? undefined : (await import('../../config/unknown-keys.js')).didYouMean(key);
  if (didYouMean) io.warn(`'${key}' is not a key this tool reads; did you mean '${didYouMean}'?`);
  await emit(io, {
    data: {
      key: resolved.key,
      value: effective ?? null,
      origin: originJson(resolved.origin),
      known: spec !== undefined,
      didYouMean: didYouMean ?? null,
      candidates: rows.map((r) => ({ ...r, value: r.value ?? null, origin: originJson(r.origin) ?? null })),
    },
    human: async () => {
      if (io.isStdoutTTY) {
        io.print(`${resolved.key}: ${io.out.bold(effective ?? '(not set)')}${effective === undefined ? '' : ` (from ${originText(resolved)})`}`);
        if (spec) io.print(io.out.dim(spec.description));
        io.print('');
      }
      await printTable(
        io,
        [
          { header: 'SOURCE', value: (r: (typeof rows)[number]) => r.name },
          { header: 'VALUE', value: (r) => r.value ?? '-' },
          { header: 'ORIGIN', value: (r) => (r.origin ? describeOrigin(r.origin) : '-') },
          { header: 'OUTCOME', value: (r) => r.outcome, color: (t, r, o) => (r.outcome === 'used' ? o.out.green(t) : o.out.dim(t)) },
        ],
        rows,
      );
    },
  });
}

/**
 * `flink config --check`: every unknown key (key, tab, origin, suggestion) and every value that does not parse as
 * its key's type (key, tab, origin, what was expected) on stdout; a likely typo or an invalid value is a
 * configuration error (exit 3), as it would be when the value is read (by the coordinator at start, or later).
 */
async function check(ctx: CommandContext, config: ResolvedConfig): Promise<void> {
  const unknown = config.unknownKeys();
  const invalid = config.invalidValues();
  const { io } = ctx;
  await emit(io, {
    data: {
      unknown: unknown.map((u) => ({ key: u.key, origin: describeOrigin(config.lookup(u.key)!.origin), didYouMean: u.suggestion ?? null })),
      invalid: invalid.map((i) => ({ key: i.key, value: isSecretKey(i.key) ? HIDDEN : i.value, origin: describeOrigin(i.origin), message: i.message })),
    },
    human: () => {
      for (const u of unknown) io.print(`${u.key}\t${describeOrigin(config.lookup(u.key)!.origin)}${u.suggestion ? `\tdid you mean '${u.suggestion}'?` : ''}`);
      for (const i of invalid) io.print(`${i.key}\t${describeOrigin(i.origin)}\t${i.message.replace(/^.*: (expected .*)$/, 'invalid value: $1')}`);
      if (unknown.length === 0 && invalid.length === 0) io.note('Every key that is set is one this tool reads, with a valid value.');
    },
  });
  const typos = unknown.filter((u) => u.suggestion !== undefined);
  const problems = [
    ...typos.map((t) => `'${t.key}' looks like a typo (did you mean '${t.suggestion}'?)`),
    ...invalid.map((i) => `'${i.key}' has an invalid value`),
  ];
  if (problems.length > 0) {
    const { ConfigError } = await import('../../domain/errors.js');
    throw new ConfigError(`${problems.length} configuration problem(s): ${problems.join(', ')}.`);
  }
}
