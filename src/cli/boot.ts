// Loads the CLI bundle (dist/cli.cjs) with a V8 code cache, so a call does not compile the functions it runs
// again each time (measured: ~15% of a `flink list`). Bundled on its own as dist/boot.cjs and kept tiny.
// Node >= 22.1 has this built in (module.enableCompileCache); on Node 20 the bundle is compiled through
// vm.Script with the cached data. Robust by construction: V8 checks the data against this source, V8 version
// and flags and rejects a mismatch (then the bundle compiles as without a cache and the cache is rewritten);
// any I/O error only costs the cache. NODE_DISABLE_COMPILE_CACHE turns it off, NODE_COMPILE_CACHE moves it.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

const bundle = path.join(__dirname, 'cli.cjs');
const load = Module.createRequire(__filename);
const env = process.env;
const home = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : undefined);
const cacheDir = env.NODE_COMPILE_CACHE || (home ? path.join(home, 'flink-cli', 'code-cache') : undefined);
const enableCompileCache = (Module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;

// --debug: bin/flink has enabled source maps, which apply to modules loaded the usual way.
if (env.NODE_DISABLE_COMPILE_CACHE || !cacheDir || process.argv.includes('--debug')) load(bundle);
else if (enableCompileCache) {
  enableCompileCache(cacheDir);
  load(bundle);
} else runWithCodeCache(cacheDir);

function runWithCodeCache(dir: string): void {
  const source = readFileSync(bundle, 'utf8');
  const { size, mtimeMs } = statSync(bundle);
  // One cache per command: each holds the functions its command ran (V8 serialises what was compiled).
  const command = commandWord(process.argv.slice(2)) ?? 'help';
  const build = `${process.version}-${process.arch}-${size}-${Math.round(mtimeMs)}`;
  const file = path.join(dir, `cli-${command}-${build}.bin`);
  let cached: Buffer | undefined;
  try {
    cached = readFileSync(file);
  } catch {
    // first call of this command (or of this build): compiled as usual, cached at exit
  }
  const script = new vm.Script(Module.wrap(source), {
    filename: bundle,
    cachedData: cached,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cached === undefined || script.cachedDataRejected) process.once('exit', (code) => code === 0 && save(dir, file, script, build));
  const module = new Module(bundle, require.main);
  module.filename = bundle;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(bundle));
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(bundle), module, bundle, path.dirname(bundle));
}

/** The command an argv names, roughly (a wrong guess only files the cache under another name). */
function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (['-m', '--jobmanager', '--config-dir', '-D'].includes(argv[i])) i++;
    else if (/^[a-z_]{2,16}$/.test(argv[i])) return argv[i];
  }
  return undefined;
}

/**
 * After a successful call, so the cache holds what the command compiled. Caches of other builds go once they
 * are a day old (two installs used in turn keep theirs instead of removing each other's on every call).
 */
function save(dir: string, file: string, script: vm.Script, build: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    for (const old of readdirSync(dir)) {
      const other = path.join(dir, old);
      if (/^cli-.*\.bin$/.test(old) && !old.endsWith(`-${build}.bin`) && Date.now() - (statSync(other, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 86_400_000)
        rmSync(other, { force: true });
    }
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, script.createCachedData());
    renameSync(temp, file);
  } catch {
    // a read-only home: no cache, same behaviour
  }
}
