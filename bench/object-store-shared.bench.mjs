// A retained incremental checkpoint on S3Mock and Azurite (started here, or FLINK_TEST_S3_ENDPOINT /
// FLINK_TEST_AZURITE_ENDPOINT) referencing SHARED_BENCH_COUNT (default 1,000) shared objects, plus as many
// unreferenced ones: the CLI's wall time for `savepoints inspect --verify`, `savepoints gc --dry-run` and
// `dispose --dry-run` of it. S3Mock's PUT slows down as a bucket grows (see object-store.bench.mjs), hence the
// default count; the costs are a LIST page per 1,000 keys and a HEAD per referenced object.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeFlinkMetadata } from './flink-metadata-encoder.mjs';
import { withObjectStores } from './object-stores.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'flink');
const count = Number(process.env.SHARED_BENCH_COUNT ?? 1_000);
const runs = Number(process.env.BENCH_SHARED_RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const hex = (i, salt) => (BigInt(i) * 0x9e3779b97f4a7c15n + BigInt(salt)).toString(16).padStart(32, '0').slice(-32);
const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const tmp = mkdtempSync(path.join(tmpdir(), 'flink-shared-bench-'));

try {
  await withObjectStores([], async ({ lib, s3, azurite, configLines, settings }) => {
    const s3Base = await lib.freshBucket(s3.endpoint, 'shared-bench', 'ckpt');
    const azureBase = await lib.freshContainer(azurite.endpoint, 'shared-bench', 'ckpt');
    const conf = path.join(tmp, 'conf');
    mkdirSync(conf);
    writeFileSync(path.join(conf, 'config.yaml'), configLines.join('\n') + '\n');

    const empty = {
      managedOperatorState: null,
      rawOperatorState: null,
      managedKeyedState: null,
      rawKeyedState: null,
      inputChannelState: [],
      outputChannelState: [],
      finished: false,
    };
    for (const [name, base] of [
      ['S3Mock', s3Base],
      ['Azurite', azureBase],
    ]) {
      const store = await lib.openStore(`${base}/${JOB}/`, settings);
      const chk = `${base}/${JOB}/chk-42`;
      const sharedKeys = Array.from({ length: count }, (_, i) => `shared/${hex(i, 3)}`);
      const orphanKeys = Array.from({ length: count }, (_, i) => `shared/${hex(i, 5)}`);
      const writeStart = Date.now();
      const all = [...sharedKeys, ...orphanKeys, 'chk-42/meta-0'];
      for (let i = 0; i < all.length; i += 32) await Promise.all(all.slice(i, i + 32).map((k) => store.write(k, 'x')));
      const operator = {
        id: hex(7, 2),
        name: null,
        uid: null,
        parallelism: 1,
        maxParallelism: 128,
        coordinatorState: null,
        fullyFinished: false,
        subtasks: [
          {
            ...empty,
            index: 0,
            managedKeyedState: {
              type: 'incremental',
              checkpointId: 42,
              backendId: '6b2f3e0e-8d33-4b5f-9a7c-0c1f6e1e2a3b',
              keyGroupRange: { start: 0, end: 127 },
              checkpointedSize: count,
              stateHandleId: 'h0',
              metaStateHandle: { type: 'relative-file', relativePath: 'meta-0', path: 'meta-0', size: 1 },
              sharedState: sharedKeys.map((k, i) => ({
                localPath: `${String(i).padStart(6, '0')}.sst`,
                handle: { type: 'file', path: `${base}/${JOB}/${k}`, size: 1 },
              })),
              privateState: [],
            },
          },
        ],
      };
      const properties = {
        '@class': 'org.apache.flink.runtime.checkpoint.CheckpointProperties',
        forced: false,
        checkpointType: { '@class': 'org.apache.flink.runtime.checkpoint.CheckpointType', name: 'Checkpoint' },
      };
      // Modification times are whole seconds: the checkpoint completes in a later one than its orphans.
      const last = Date.now();
      while (Date.now() < last + 1100) await new Promise((resolve) => setTimeout(resolve, 100));
      await store.write('chk-42/_metadata', encodeFlinkMetadata({ version: 4, checkpointId: 42, masterStates: [], operators: [operator], properties }));
      const setupWriteMs = Date.now() - writeStart;
      store.close();

      const result = { bench: `shared objects on ${name}: a checkpoint referencing ${count}, ${count} orphans`, setupWriteMs };
      const cases = [
        ['inspectVerify', ['savepoints', 'inspect', chk, '--verify', '--json'], (doc) => doc.verified === true && doc.files.length === count + 1],
        [
          'gcDryRun',
          ['savepoints', 'gc', '--job', JOB, '--dir', base, '--min-age', '0s', '--dry-run', '--json', '--offline'],
          (doc) => doc.files.length === count,
        ],
        ['disposeDryRun', ['dispose', '--dry-run', '--json', '--offline', chk], (doc) => doc.plan[0].sharedFiles.length === count],
      ];
      for (const [label, args, check] of cases) {
        const wall = [];
        for (let i = 0; i < runs; i++) {
          const start = process.hrtime.bigint();
          const r = spawnSync(process.execPath, [bin, '--config-dir', conf, '-m', '127.0.0.1:9', ...args], {
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
            cwd: tmp,
            env: { ...process.env, HOME: tmp },
          });
          wall.push(Number(process.hrtime.bigint() - start) / 1e6);
          if (r.status !== 0 || !check(JSON.parse(r.stdout))) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
        }
        result[`${label}MedianMs`] = Math.round(median(wall));
      }
      console.log(JSON.stringify(result));
    }
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
