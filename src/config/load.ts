// The only configuration I/O. Finds the configuration like Flink does (--config-dir, FLINK_CONF_DIR)
// and like Node users expect (cosmiconfig's search from the working directory), then parses it.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../domain/errors.js';
import { cachedParse, configCacheFile } from './parse-cache.js';
import type { LoadedConfig } from './types.js';

// The parsers (and the yaml library, ~130 ms to import) load only when a file must be parsed (not cached).
const parsers = () => import('./parse.js');

export interface LoadOptions {
  /** --config-dir */
  configDir?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const SEARCH_PLACES = [
  'package.json',
  '.flinkrc',
  '.flinkrc.json',
  '.flinkrc.yaml',
  '.flinkrc.yml',
  'flink.config.js',
  'flink.config.mjs',
  'flink.config.cjs',
  'flink.config.json',
  'flink.config.yaml',
  'conf/config.yaml',
  'conf/flink-conf.yaml',
];

export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  if (options.configDir !== undefined) {
    const dir = path.resolve(options.cwd, options.configDir);
    if (!isDirectory(dir)) throw new ConfigError(`The configuration directory '${options.configDir}' (--config-dir) does not exist.`);
    return loadConfDir(dir, 'config-dir', true, configCacheFile(options.env));
  }
  const envDir = options.env.FLINK_CONF_DIR;
  if (envDir !== undefined && envDir !== '') {
    const dir = path.resolve(options.cwd, envDir);
    if (!isDirectory(dir)) {
      throw new ConfigError(`The configuration directory '${envDir}', specified in the 'FLINK_CONF_DIR' environment variable, does not exist.`);
    }
    return loadConfDir(dir, 'FLINK_CONF_DIR', true, configCacheFile(options.env));
  }
  return search(options.cwd, configCacheFile(options.env));
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** A parsed standard YAML file, from the cache when its text is unchanged (the parsers load only on a miss). */
async function standardYaml(cache: string | undefined, text: string, file: string, under?: string) {
  return cachedParse(cache, `yaml:${under ?? ''}:${file}`, text, async () =>
    (await parsers()).parseStandardYaml(text, file, under === undefined ? {} : { under }),
  );
}

/**
 * A Flink conf dir. Flink 2 reads only config.yaml; Flink 1.19/1.20 prefer a legacy flink-conf.yaml.
 * We read config.yaml when present (the current format) and say so when a flink-conf.yaml is ignored.
 */
async function loadConfDir(dir: string, source: LoadedConfig['source'], required: boolean, cache: string | undefined): Promise<LoadedConfig> {
  const standard = path.join(dir, 'config.yaml');
  const legacy = path.join(dir, 'flink-conf.yaml');
  const loaded: LoadedConfig = { source, files: [], entries: [], warnings: [] };
  if (existsSync(standard)) {
    loaded.files.push({ path: standard, format: 'config.yaml' });
    loaded.entries.push(...(await standardYaml(cache, await readText(standard), standard)));
    if (existsSync(legacy)) {
      loaded.warnings.push(
        `${legacy} is ignored because ${standard} exists (Flink 2 reads only config.yaml; Flink 1.19/1.20 would read flink-conf.yaml instead).`,
      );
    }
    return loaded;
  }
  if (existsSync(legacy)) {
    loaded.files.push({ path: legacy, format: 'flink-conf.yaml' });
    const parsed = (await parsers()).parseLegacyFlinkConf(await readText(legacy), legacy);
    loaded.entries.push(...parsed.entries);
    loaded.warnings.push(...parsed.warnings);
    return loaded;
  }
  if (required) throw new ConfigError(`The configuration directory '${dir}' contains neither config.yaml nor flink-conf.yaml.`);
  return loaded;
}

// Synchronous: a small file read once, and node:fs/promises alone costs a short call several ms to load.
async function readText(file: string): Promise<string> {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read configuration file ${file}: ${(error as Error).message}`);
  }
}

/**
 * Whether cosmiconfig's project search could find something: a search place exists in a directory it visits
 * (from `cwd` up to the nearest package.json, else to the root), a package.json counting only with a "flink"
 * key. Most projects have a package.json and no Flink configuration; they need not import cosmiconfig.
 */
function anySearchPlace(cwd: string): boolean {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    const isProjectRoot = existsSync(manifest);
    if (isProjectRoot && hasFlinkKey(manifest)) return true;
    if (SEARCH_PLACES.some((place) => place !== 'package.json' && existsSync(path.join(dir, place)))) return true;
    if (isProjectRoot || path.dirname(dir) === dir) return false;
  }
}

/** A package.json with a "flink" key, or one that cannot be read or parsed (cosmiconfig then says why). */
function hasFlinkKey(manifest: string): boolean {
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as unknown;
    return typeof parsed !== 'object' || parsed === null || 'flink' in parsed;
  } catch {
    return true;
  }
}

/** cosmiconfig's search from the working directory up to the project root (the nearest package.json). */
async function search(cwd: string, cache: string | undefined): Promise<LoadedConfig> {
  // Importing cosmiconfig costs ~130 ms of every start (shell completion feels it): skip it when none of
  // its search places exists from here up to the project root or, without one, the file system root.
  if (!anySearchPlace(cwd)) return { source: 'none', files: [], entries: [], warnings: [] };
  const { cosmiconfig } = await import('cosmiconfig');
  // Text formats are parsed by our own parsers (line numbers, Flink's legacy format); cosmiconfig only
  // finds the file. JavaScript configs are evaluated by cosmiconfig.
  const passThrough = (_file: string, content: string) => (content.trim() === '' ? null : { text: content });
  const explorer = cosmiconfig('flink', {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'project',
    loaders: {
      '.yaml': passThrough,
      '.yml': passThrough,
      noExt: passThrough,
      // package.json must be parsed for cosmiconfig to see whether it has a "flink" key.
      '.json': (file: string, content: string) => (path.basename(file) === 'package.json' ? JSON.parse(content) : passThrough(file, content)),
    },
  });
  let result;
  try {
    result = await explorer.search(cwd);
  } catch (error) {
    throw new ConfigError(`Cannot load configuration: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!result || result.isEmpty) return { source: 'none', files: [], entries: [], warnings: [] };
  const file = result.filepath;
  const base = path.basename(file);
  if (base === 'config.yaml' || base === 'flink-conf.yaml') {
    return loadConfDir(path.dirname(file), 'search', true, cache).then((c) => ({ ...c, source: 'search' as const }));
  }
  const loaded: LoadedConfig = { source: 'search', files: [{ path: file, format: 'rc' }], entries: [], warnings: [] };
  const config = result.config as unknown;
  if (base === 'package.json') {
    // Re-read the text so every value knows its line.
    loaded.entries.push(...(await standardYaml(cache, await readText(file), file, 'flink')));
  } else if (config && typeof config === 'object' && 'text' in config && typeof (config as { text: unknown }).text === 'string') {
    loaded.entries.push(...(await standardYaml(cache, (config as { text: string }).text, file)));
  } else {
    loaded.entries.push(...(await parsers()).flattenObject(config, file));
  }
  return loaded;
}
