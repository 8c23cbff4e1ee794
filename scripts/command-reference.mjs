// `npm run docs`: writes docs/commands.md from the commander definitions (src/cli/reference.ts).
// `--check`: exits 1 when the file is out of date instead of writing it.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const outfile = path.join(root, '.flink-cache', 'command-reference.mjs'); // git-ignored; next to node_modules for resolution
mkdirSync(path.dirname(outfile), { recursive: true });
await build({
  entryPoints: [path.join(root, 'src/cli/reference.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: Object.keys(pkg.dependencies ?? {}),
  define: { __TOOL_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
const { renderCommandReference } = await import(pathToFileURL(outfile).href);
const text = await renderCommandReference();
const target = path.join(root, 'docs', 'commands.md');
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== text) {
    console.error('docs/commands.md is out of date: run npm run docs');
    process.exit(1);
  }
} else {
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${path.relative(root, target)}`);
}
