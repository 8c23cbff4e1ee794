// Bundles the CLI with esbuild so `flink --help` starts fast. commander and chalk are bundled into the
// entry chunk; every other dependency stays external and is imported lazily by the code that needs it.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const bundled = new Set(['commander', 'chalk']);
const external = Object.keys(pkg.dependencies ?? {}).filter((name) => !bundled.has(name));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true }); // no stale chunks

// commander requires child_process when it loads, only to run executable subcommands (which this CLI does
// not have). Loading it pulls in net, dgram and more: ~8 ms of every start (measured with `npm run bench`).
// So commander gets a stand-in that loads the real module on first use.
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    const fromCommander = /[\\/]node_modules[\\/]commander[\\/]/;
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (fromCommander.test(args.importer) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });",
      loader: 'js',
    }));
  },
};

await build({
  // The CLI, the local coordinator daemon, and the job runtime's worker thread (found next to the loader).
  entryPoints: { cli: 'src/cli/main.ts', coordinator: 'src/daemon/main.ts', 'runtime-worker': 'src/runtime/worker.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // commander is CommonJS; its require() of node builtins needs a real require in ESM output.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  define: { __TOOL_VERSION__: JSON.stringify(pkg.version) },
  minify: true,
  // Class and function names survive minification, so no minified identifier reaches a message or a trace;
  // the source maps are written beside the chunks and used only under --debug (bin/flink enables them).
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [lazyChildProcessForCommander],
});
