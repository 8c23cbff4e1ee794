// Bundles with esbuild. The CLI is one CommonJS file, dist/cli.cjs: a CommonJS entry starts faster than an ES
// module (no ES module loader, no module graph to resolve and link), which is most of a short call's cost
// (measured with `npm run bench`). commander and chalk are bundled; every other dependency stays external and
// is loaded by the code that needs it, when it needs it. The coordinator daemon and the job runtime's worker
// thread stay ES modules with code splitting (they are long-running: start-up cost does not matter there).
import { build } from 'esbuild';
import { copyFileSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// proper-lockfile is bundled into the CLI too: loaded from node_modules it was ~14 files to resolve and read
// on every `flink savepoint`; bundled, it comes with the one file.
const bundled = new Set(['commander', 'chalk']);
// ora (ESM-only, for spinners) is bundled as well: the CLI bundle then has no import() at all, which boot.cjs
// needs (a dynamic import from code compiled with a V8 code cache needs an experimental Node API).
const bundledInCli = new Set([...bundled, 'proper-lockfile', 'ora']);
const externalOf = (inBundle) => Object.keys(pkg.dependencies ?? {}).filter((name) => !inBundle.has(name));
const external = externalOf(bundled);
const externalOfCli = externalOf(bundledInCli);
const require = createRequire(import.meta.url);

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true }); // no stale chunks

// commander requires child_process when it loads, only to run executable subcommands (which this CLI does
// not have). Loading it pulls in net, dgram and more: ~8 ms of every start (measured with `npm run bench`).
// So commander gets a stand-in that loads the real module on first use.
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    const fromCommander = /[\\/]node_modules[\\/]commander[\\/]/;
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      fromCommander.test(args.importer) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });",
      loader: 'js',
    }));
  },
};

/** Whether a package loads with require(): CommonJS (or dual), not ESM-only like ora. */
function requireable(name) {
  try {
    const file = require.resolve(name);
    if (file.endsWith('.cjs')) return true;
    if (file.endsWith('.mjs')) return false;
    for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      try {
        return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).type !== 'module';
      } catch {
        // no package.json here: look further up
      }
    }
  } catch {
    // not installed (optional): keep import()
  }
  return false;
}

// proper-lockfile loads graceful-fs, which patches and re-wraps the whole fs module when it loads (the largest
// part of its cost); its queueing on EMFILE does nothing for one lock file. The bundle gives it node:fs instead.
const plainFsForLockfile = {
  name: 'plain-fs-for-lockfile',
  setup(b) {
    b.onResolve({ filter: /^graceful-fs$/ }, () => ({ path: 'graceful-fs', namespace: 'plain-fs' }));
    b.onLoad({ filter: /.*/, namespace: 'plain-fs' }, () => ({ contents: "module.exports = require('node:fs');", loader: 'js' }));
  },
};

// A lazy `await import('node:http')` (or of a CommonJS package) in the CLI becomes a lazy require(): an
// import() from CommonJS would start the ES module loader (~15 ms in the CPU profile) for a module that
// require() loads directly. An ESM-only package must be bundled (the build fails otherwise).
const requireForLazyImports = {
  name: 'require-for-lazy-imports',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      if (!isBuiltin(args.path) && !(externalOfCli.includes(args.path) && requireable(args.path))) return undefined;
      return { path: args.path, namespace: 'lazy-require' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external,
  define: { __TOOL_VERSION__: JSON.stringify(pkg.version) },
  minify: true,
  // Class and function names survive minification, so no minified identifier reaches a message or a trace;
  // the source maps are written beside the bundles and used only under --debug (bin/flink enables them).
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
};

// The dashboard's page (src/dashboard/): one script and one stylesheet for the browser, Preact bundled in, nothing
// fetched at run time. The local coordinator and `flink ui` serve dist/dashboard/.
const dashboard = build({
  entryPoints: { app: 'src/dashboard/main.tsx', 'app-style': 'src/dashboard/style.css' },
  bundle: true,
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  format: 'esm',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  outdir: 'dist/dashboard',
  entryNames: '[name]',
  logLevel: 'warning',
}).then(() => {
  renameSync('dist/dashboard/app-style.css', 'dist/dashboard/app.css');
  copyFileSync('src/dashboard/index.html', 'dist/dashboard/index.html');
});

await Promise.all([
  dashboard,
  build({
    ...common,
    // boot.cjs (what bin/flink loads) runs cli.cjs with a V8 code cache.
    entryPoints: { cli: 'src/cli/main.ts', boot: 'src/cli/boot.ts' },
    external: externalOfCli,
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    // The CLI finds dist/coordinator.mjs next to itself.
    define: { ...common.define, 'import.meta.url': '__cliFileUrl' },
    banner: { js: "const __cliFileUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [lazyChildProcessForCommander, plainFsForLockfile, requireForLazyImports],
    metafile: true,
  }).then(({ metafile }) => {
    const imports = Object.values(metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import' && i.external).map((i) => i.path));
    if (imports.length > 0) throw new Error(`The CLI bundle must not import() (bundle ESM-only packages instead): ${imports.join(', ')}`);
  }),
  build({
    ...common,
    // The local coordinator daemon, `flink ui`'s server and the job runtime's worker thread (found next to the loader).
    entryPoints: { coordinator: 'src/daemon/main.ts', ui: 'src/daemon/ui-main.ts', 'runtime-worker': 'src/runtime/worker.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    format: 'esm',
    // Bundled CommonJS code's require() of node builtins needs a real require in ESM output.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  }),
]);
