// Pure resolution: files + -D + -m in, every value with its origin and a list of warnings out.
// Precedence follows Flink: the flag (-m) beats -D beats the files for the same spelling of a key; then,
// for a setting with several names, the primary name beats its aliases, which beat deprecated names.
import { parseDuration } from '../domain/duration.js';
import { parseMemorySize } from '../domain/memory-size.js';
import { ConfigError, UsageError } from '../domain/errors.js';
import { KEYS, SAVEPOINT_BACKEND_REMOVED, SAVEPOINT_DIR, specOf, type KeySpec } from './keys.js';
import { describeOrigin, type LoadedConfig, type Origin, type RawEntry } from './types.js';
import { unknownKeys, type UnknownKey } from './unknown-keys.js';

export interface ResolvedValue {
  /** The primary name of the setting (or the key as written, for keys we do not know). */
  key: string;
  value: string | undefined;
  origin: Origin;
  /** The spelling that supplied the value, when it is not the primary name. */
  spelledAs?: string;
}

export interface ResolveInput {
  loaded: LoadedConfig;
  /** Raw -D arguments: "key=value", or "key" meaning true. */
  dynamic?: readonly string[];
  /** -m / --jobmanager: host:port or a URL. */
  jobmanager?: string;
}

export function parseDynamicProperty(text: string): { key: string; value: string } {
  const eq = text.indexOf('=');
  const key = (eq < 0 ? text : text.slice(0, eq)).trim();
  const value = eq < 0 ? 'true' : text.slice(eq + 1).trim();
  if (key === '') throw new UsageError(`Invalid -D property '${text}': expected -D key=value`);
  return { key, value };
}

/** Flink's -m: "host:port" or "http(s)://host:port/path"; host and port are both required. */
export function parseJobManagerAddress(text: string): { address: string; port: string; path: string; https: boolean } {
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  const withScheme = hasScheme ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`Couldn't parse the JobManager address '${text}': expected host:port or http(s)://host:port`);
  }
  // The URL API drops a scheme's default port (https://h:443 has port ''); only a bare host:port must name it.
  const port = url.port !== '' ? url.port : hasScheme ? (url.protocol === 'https:' ? '443' : '80') : '';
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || port === '') {
    throw new UsageError(`Couldn't parse the JobManager address '${text}': expected host:port or http(s)://host:port`);
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { address: host, port, path: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, ''), https: url.protocol === 'https:' };
}

export class ResolvedConfig {
  /** The winning entry for each exact spelling of a key. */
  private readonly byName = new Map<string, RawEntry>();
  readonly warnings: string[] = [];
  readonly loaded: LoadedConfig;

  constructor(input: ResolveInput) {
    this.loaded = input.loaded;
    for (const entry of input.loaded.entries) this.byName.set(entry.key, entry); // later wins
    for (const raw of input.dynamic ?? []) {
      const { key, value } = parseDynamicProperty(raw);
      this.byName.set(key, { key, value, origin: { kind: 'dynamic' } });
    }
    if (input.jobmanager !== undefined) {
      const jm = parseJobManagerAddress(input.jobmanager);
      const origin: Origin = { kind: 'flag', flag: '-m' };
      this.byName.set('rest.address', { key: 'rest.address', value: jm.address, origin });
      this.byName.set('rest.port', { key: 'rest.port', value: jm.port, origin });
      this.byName.set('rest.path', { key: 'rest.path', value: jm.path, origin });
      if (jm.https) this.byName.set('security.ssl.rest.enabled', { key: 'security.ssl.rest.enabled', value: 'true', origin });
    }
    this.warnings.push(...input.loaded.warnings, ...this.keyWarnings());
  }

  /** The winning entry for one exact spelling, ignoring aliases. */
  lookup(name: string): RawEntry | undefined {
    return this.byName.get(name);
  }

  /** The effective value of a setting, following aliases, deprecated names, fallback key and default. */
  get(key: string): ResolvedValue {
    const spec = specOf(key);
    if (!spec) {
      const entry = this.byName.get(key);
      return entry ? { key, value: entry.value, origin: entry.origin } : { key, value: undefined, origin: { kind: 'default' } };
    }
    for (const name of namesOf(spec)) {
      const entry = this.byName.get(name);
      if (entry) return { key: spec.key, value: entry.value, origin: entry.origin, spelledAs: name === spec.key ? undefined : name };
    }
    if (spec.fallback) {
      const fallback = this.get(spec.fallback);
      if (fallback.value !== undefined) return { ...fallback, key: spec.key, spelledAs: fallback.spelledAs ?? spec.fallback };
    }
    return { key: spec.key, value: spec.default, origin: { kind: 'default' } };
  }

  string(key: string): string | undefined {
    return this.get(key).value;
  }

  int(key: string): number | undefined {
    const resolved = this.get(key);
    if (resolved.value === undefined) return undefined;
    if (!/^-?\d+$/.test(resolved.value.trim())) throw invalid(resolved, 'an integer');
    return Number(resolved.value);
  }

  bool(key: string): boolean | undefined {
    const resolved = this.get(key);
    if (resolved.value === undefined) return undefined;
    const v = resolved.value.trim().toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw invalid(resolved, 'true or false');
  }

  /** Milliseconds. */
  duration(key: string): number | undefined {
    const resolved = this.get(key);
    if (resolved.value === undefined) return undefined;
    const ms = parseDuration(resolved.value);
    if (ms === undefined) throw invalid(resolved, "a duration such as '30 s', '5 min' or '1500' (ms)");
    return ms;
  }

  /** Bytes. */
  memorySize(key: string): number | undefined {
    const resolved = this.get(key);
    if (resolved.value === undefined) return undefined;
    const bytes = parseMemorySize(resolved.value);
    if (bytes === undefined || bytes <= 0) throw invalid(resolved, "a memory size such as '1g', '1728m' or '512 mb'");
    return bytes;
  }

  enumValue(key: string): string | undefined {
    const resolved = this.get(key);
    if (resolved.value === undefined) return undefined;
    const spec = specOf(key);
    const match = spec?.values?.find((v) => v.toLowerCase() === resolved.value!.trim().toLowerCase());
    if (!match) throw invalid(resolved, `one of ${spec?.values?.join(', ')}`);
    return match;
  }

  /**
   * Every set value of a known key that does not parse as its type (a duration, an integer, ...): what would
   * otherwise fail only when something reads it (the coordinator at start, a command much later).
   */
  invalidValues(): Array<{ key: string; value: string; origin: Origin; message: string }> {
    const read: Record<KeySpec['type'], ((key: string) => unknown) | undefined> = {
      string: undefined,
      int: (k) => this.int(k),
      bool: (k) => this.bool(k),
      duration: (k) => this.duration(k),
      memory: (k) => this.memorySize(k),
      enum: (k) => this.enumValue(k),
    };
    const invalid: Array<{ key: string; value: string; origin: Origin; message: string }> = [];
    for (const spec of KEYS) {
      const resolved = this.get(spec.key);
      if (resolved.origin.kind === 'default' || resolved.value === undefined) continue;
      try {
        read[spec.type]?.(spec.key);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        invalid.push({ key: resolved.spelledAs ?? spec.key, value: resolved.value, origin: resolved.origin, message: error.message });
      }
    }
    return invalid;
  }

  /** Throws the first invalid value as a configuration error (exit 3), naming every other one too. */
  requireValidValues(): void {
    const invalid = this.invalidValues();
    if (invalid.length === 0) return;
    const more =
      invalid.length > 1
        ? ` (and ${invalid.length - 1} more: ${invalid
            .slice(1)
            .map((i) => `'${i.key}'`)
            .join(', ')})`
        : '';
    throw new ConfigError(`${invalid[0].message}${more}.`, { hint: "Fix the value(s); 'flink config --check' lists every problem." });
  }

  /** Every declared setting plus every unknown key that is set, for `flink config`. */
  all(): ResolvedValue[] {
    const result = KEYS.map((spec) => this.get(spec.key));
    const known = new Set(KEYS.flatMap((spec) => namesOf(spec)));
    for (const [name, entry] of this.byName) if (!known.has(name)) result.push({ key: name, value: entry.value, origin: entry.origin });
    return result;
  }

  /** Set keys this tool does not read, with the known key each is probably a typo of. */
  unknownKeys(): UnknownKey[] {
    return unknownKeys([...this.byName.keys()].filter((k) => k !== SAVEPOINT_BACKEND_REMOVED));
  }

  private keyWarnings(): string[] {
    const warnings = this.deprecationWarnings();
    for (const { key, suggestion } of this.unknownKeys()) {
      if (suggestion === undefined) continue; // Flink's own keys this tool does not read
      warnings.push(`Unknown config key '${key}' (${describeOrigin(this.byName.get(key)!.origin)}) is ignored; did you mean '${suggestion}'?`);
    }
    const insecure = this.get('security.ssl.rest.insecure-skip-verify');
    if (insecure.value?.trim().toLowerCase() === 'true')
      warnings.push(
        `TLS verification of the REST endpoint is off (security.ssl.rest.insecure-skip-verify, ${describeOrigin(insecure.origin)}): anyone on the network path can read and change every request.`,
      );
    const backend = this.byName.get(SAVEPOINT_BACKEND_REMOVED);
    if (backend) {
      const where = describeOrigin(backend.origin);
      const jobmanager =
        backend.value.trim().toLowerCase() === 'jobmanager'
          ? " There is no 'jobmanager' savepoint backend any more (no jobmanager://savepoint-N pointers): savepoints always go to files now."
          : '';
      warnings.push(
        `Config key '${SAVEPOINT_BACKEND_REMOVED}' (${where}) is ignored: since FLIP-10 savepoints are always written to a directory; set '${SAVEPOINT_DIR}' (or 'state.savepoints.dir') instead.${jobmanager}`,
      );
    }
    return warnings;
  }

  /** Deprecated names in use (never a typo, which is an unknown key: unknownKeys()). */
  deprecationWarnings(): string[] {
    const warnings: string[] = [];
    for (const spec of KEYS) {
      // The savepoint directory's names are explained by the savepoint target chain instead.
      if (spec.key === SAVEPOINT_DIR) continue;
      for (const name of spec.deprecated ?? []) {
        const entry = this.byName.get(name);
        if (!entry) continue;
        const winner = this.get(spec.key);
        const used = winner.spelledAs === name;
        warnings.push(
          `Config key '${name}' (${describeOrigin(entry.origin)}) is deprecated; use '${spec.key}' instead.` +
            (used ? '' : ` It is ignored because '${winner.spelledAs ?? spec.key}' is set.`),
        );
      }
    }
    return warnings;
  }
}

export function namesOf(spec: KeySpec): string[] {
  return [spec.key, ...(spec.aliases ?? []), ...(spec.deprecated ?? [])];
}

function invalid(resolved: ResolvedValue, expected: string): ConfigError {
  const name = resolved.spelledAs ?? resolved.key;
  return new ConfigError(`Invalid value '${resolved.value}' for '${name}' (${describeOrigin(resolved.origin)}): expected ${expected}`);
}

export function resolveConfig(input: ResolveInput): ResolvedConfig {
  return new ResolvedConfig(input);
}
