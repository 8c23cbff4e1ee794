// Ownership across a checkpoint root with many jobs: OWNERSHIP_BENCH_JOBS (default 1,000) jobs, each with 2
// retained RocksDB incremental checkpoints referencing 50 shared files (5 of them under the previous job's
// folder, as after a CLAIM restore); the plan of disposing one checkpoint reads every _metadata under the root
// (cold: a fresh cache; warm: the cache of the cold run, what a cron run meets). Locally the plan's time; on
// S3Mock the same root (written into its store directory before it starts: bench/object-stores.mjs) and the
// requests the plan costs, counted on the wire.
import { subscribe } from 'node:diagnostics_channel';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeFlinkMetadata } from './flink-metadata-encoder.mjs';
import { withObjectStores } from './object-stores.mjs';

const jobs = Number(process.env.OWNERSHIP_BENCH_JOBS ?? 1_000);
const SHARED = 50;
const CLAIMED = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const hex = (i, salt) => (BigInt(i) * 0x9e3779b97f4a7c15n + BigInt(salt)).toString(16).padStart(32, '0').slice(-32);
const jobId = (j) => hex(j, 11);
const tmp = mkdtempSync(path.join(tmpdir(), 'flink-ownership-bench-'));
const requests = [];
subscribe('http.client.request.start', ({ request }) => requests.push(`${request.method} ${request.path}`));
const isList = (r) => r.startsWith('GET ') && (/[?&]list-type=2/.test(r) || /[?&]comp=list/.test(r));

const empty = {
  managedOperatorState: null,
  rawOperatorState: null,
  managedKeyedState: null,
  rawKeyedState: null,
  inputChannelState: [],
  outputChannelState: [],
  finished: false,
};
const properties = {
  '@class': 'org.apache.flink.runtime.checkpoint.CheckpointProperties',
  forced: false,
  checkpointType: { '@class': 'org.apache.flink.runtime.checkpoint.CheckpointType', name: 'Checkpoint' },
};

/** Checkpoint `n` of job `j` below `base` (a path or URI, how Flink names it in _metadata): its shared files' locations and its _metadata. */
function checkpoint(base, j, n) {
  const shared = Array.from({ length: SHARED }, (_, i) =>
    i < CLAIMED && j > 0 ? `${base}/${jobId(j - 1)}/shared/${hex(i + 1, j - 1)}` : `${base}/${jobId(j)}/shared/${hex(i + n, j)}`,
  );
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
          checkpointId: n,
          backendId: '6b2f3e0e-8d33-4b5f-9a7c-0c1f6e1e2a3b',
          keyGroupRange: { start: 0, end: 127 },
          checkpointedSize: SHARED,
          stateHandleId: `h${j}`,
          metaStateHandle: null,
          sharedState: shared.map((p, i) => ({ localPath: `${String(i).padStart(6, '0')}.sst`, handle: { type: 'file', path: p, size: 1 } })),
          privateState: [],
        },
      },
    ],
  };
  return { shared, metadata: encodeFlinkMetadata({ version: 4, checkpointId: n, masterStates: [], operators: [operator], properties }) };
}

/** Every key and body of the root: 2 checkpoints per job, the shared files they reference. */
function objects(base, count, keyOf) {
  const all = new Map();
  for (let j = 0; j < count; j++) {
    for (const n of [1, 2]) {
      const { shared, metadata } = checkpoint(base, j, n);
      for (const s of shared) all.set(keyOf(s), Buffer.from('x'));
      all.set(keyOf(`${base}/${jobId(j)}/chk-${n}/_metadata`), metadata);
    }
  }
  return all;
}

const timed = async (run) => {
  const start = process.hrtime.bigint();
  const result = await run();
  return { ms: Math.round(Number(process.hrtime.bigint() - start) / 1e6), result };
};

try {
  const s3Objects = () => ({ 'ownership-bench': [...objects('s3://ownership-bench/checkpoints', jobs, (uri) => uri.slice('s3://ownership-bench/'.length))] });
  await withObjectStores(
    ["export { SnapshotStorage } from './src/storage/index.ts';"],
    async ({ lib, settings }) => {
      // Locally.
      const local = path.join(tmp, 'checkpoints');
      const all = objects(`file:${local}`, jobs, (uri) => uri.slice(`file:${local}/`.length));
      const writeStart = Date.now();
      for (const [key, body] of all) {
        mkdirSync(path.dirname(path.join(local, key)), { recursive: true });
        writeFileSync(path.join(local, key), body);
      }
      const setupWriteMs = Date.now() - writeStart;
      const target = path.join(local, jobId(1), 'chk-2');
      const cacheDir = path.join(tmp, 'cache');
      const plan = async () => {
        const storage = new lib.SnapshotStorage({ settings, cacheDir });
        try {
          return await storage.planDisposal([target], { roots: [local], jobs: [] });
        } finally {
          storage.close();
        }
      };
      const cold = await timed(plan);
      const warm = [];
      for (let r = 0; r < 3; r++) warm.push((await timed(plan)).ms);
      const shared = cold.result[0].sharedFiles;
      console.log(
        JSON.stringify({
          bench: `dispose plan on a local root of ${jobs} jobs x 2 retained checkpoints x ${SHARED} shared files (${all.size} files)`,
          coldMs: cold.ms,
          warmMedianMs: median(warm),
          planned: { delete: shared.filter((f) => f.action === 'delete').length, keep: shared.filter((f) => f.action === 'keep').length },
          setupWriteMs,
        }),
      );

      // On S3Mock, the same root (seeded before it started): the requests, counted.
      const base = 's3://ownership-bench/checkpoints';
      const s3CacheDir = path.join(tmp, 's3-cache');
      const s3Plan = async () => {
        const storage = new lib.SnapshotStorage({ settings, cacheDir: s3CacheDir });
        requests.length = 0;
        try {
          const t = await timed(() => storage.planDisposal([`${base}/${jobId(1)}/chk-2`], { roots: [base], jobs: [] }));
          const planned = t.result[0].sharedFiles;
          return {
            ms: t.ms,
            listRequests: requests.filter(isList).length,
            getRequests: requests.filter((r) => r.startsWith('GET ') && !isList(r)).length,
            otherRequests: requests.filter((r) => !r.startsWith('GET ')).length,
            planned: { delete: planned.filter((f) => f.action === 'delete').length, keep: planned.filter((f) => f.action === 'keep').length },
          };
        } finally {
          storage.close();
        }
      };
      const s3Cold = await s3Plan();
      const s3Warm = await s3Plan();
      console.log(JSON.stringify({ bench: `dispose plan on S3Mock, the same root (${all.size} objects)`, cold: s3Cold, warm: s3Warm }));
    },
    { s3Buckets: s3Objects },
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
