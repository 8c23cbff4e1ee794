// `npm run demo`: runs the real binary and prints each command before its output.
// Today it shows the configuration chain (FLIP-10's savepoint directory precedence) against fixture
// configurations; it grows into the full FLIP-10 story as the local coordinator lands.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'flink');
const conf = (name) => path.join('fixtures', 'config', name);

const steps = [
  ['The savepoint directory chain, step 2: Flink 2 key and FLIP-10 key both set (Flink 2 wins, with a warning)',
    ['config', '--explain', 'state.savepoints.dir', '--config-dir', conf('both-differ')]],
  ['Step 1: a path given for this one operation wins over the configuration',
    ['config', '--explain', 'savepoint-dir', '--path', '/tmp/adhoc-savepoints', '--config-dir', conf('flink2-nested')]],
  ['Step 3: only the deprecated savepoints.state.backend.fs.dir is set (used, with a deprecation warning)',
    ['config', '--explain', 'savepoint-dir', '--config-dir', conf('deprecated-only')]],
  ['Step 4: nothing configured: the cluster\'s own default applies',
    ['config', '--explain', 'savepoint-dir']],
  ['-D overrides the file for one invocation; --json for scripts',
    ['config', '--json', '--explain', 'savepoint-dir', '--config-dir', conf('flip10-only'), '-D', 'state.savepoints.dir=/tmp/from-D']],
  ['Effective values with their origin (file and line)', ['config', 'rest.address', 'rest.port', 'state.savepoints.dir', '--config-dir', conf('legacy')]],
  ['Exit codes', ['help', 'exit-codes']],
];

let failed = 0;
for (const [title, args] of steps) {
  process.stdout.write(`\n# ${title}\n$ flink ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
