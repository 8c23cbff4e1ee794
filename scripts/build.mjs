// Bundles the CLI with esbuild so `flink --help` starts fast. commander and chalk are bundled into the
// entry chunk; every other dependency stays external and is imported lazily by the code that needs it.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const bundled = new Set(['commander', 'chalk']);
const external = Object.keys(pkg.dependencies ?? {}).filter((name) => !bundled.has(name));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true }); // no stale chunks

await build({
  // The CLI, the local coordinator daemon, and the job runtime's worker thread (found next to the loader).
  entryPoints: { cli: 'src/cli/main.ts', coordinator: 'src/coordinator/main.ts', 'runtime-worker': 'src/runtime/worker.ts' },
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
  logLevel: 'warning',
});
