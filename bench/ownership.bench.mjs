// Ownership across a checkpoint root with many jobs: OWNERSHIP_BENCH_JOBS (default 1,000) jobs, each with 2
// retained RocksDB incremental checkpoints referencing 50 shared files (5 of them under the previous job's
// folder, as after a CLAIM restore); the plan of disposing one checkpoint reads every _metadata under the root
// (cold: a fresh cache; warm: the cache of the cold run, what a cron run meets). Locally the plan's time; on
// S3Mock (OWNERSHIP_BENCH_S3_JOBS, default 100: S3Mock's PUT slows down as a bucket grows) the requests it
// costs, counted on the wire, and what they come to for the local tree's size (LIST pages of 1,000 keys,
// and one GET per _metadata when the cache is cold).
import { subscribe } from 'node:diagnostics_channel';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeFlinkMetadata } from './flink-metadata-encoder.mjs';
import { withObjectStores } from './object-stores.mjs';

const jobs = Number(process.env.OWNERSHIP_BENCH_JOBS ?? 1_000);
const s3Jobs = Number(process.env.OWNERSHIP_BENCH_S3_JOBS ?? 100);
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
      all.set(`${jobId(j)}/chk-${n}/_metadata`, metadata);
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
  await withObjectStores(["export { SnapshotStorage } from './src/storage/index.ts';"], async ({ lib, s3, settings }) => {
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

    // On S3Mock, a smaller root (S3Mock's PUT slows down as a bucket grows): the requests, counted.
    const base = await lib.freshBucket(s3.endpoint, 'ownership-bench', 'checkpoints');
    const store = await lib.openStore(`${base}/`, settings);
    const remote = [...objects(base, s3Jobs, (uri) => uri.slice(`${base}/`.length))];
    const s3Start = Date.now();
    for (let i = 0; i < remote.length; i += 64) await Promise.all(remote.slice(i, i + 64).map(([key, body]) => store.write(key, body)));
    store.close();
    const s3CacheDir = path.join(tmp, 's3-cache');
    const s3Plan = async () => {
      const storage = new lib.SnapshotStorage({ settings, cacheDir: s3CacheDir });
      requests.length = 0;
      try {
        const t = await timed(() => storage.planDisposal([`${base}/${jobId(1)}/chk-2`], { roots: [base], jobs: [] }));
        return {
          ms: t.ms,
          list: requests.filter(isList).length,
          get: requests.filter((r) => r.startsWith('GET ') && !isList(r)).length,
          other: requests.filter((r) => !r.startsWith('GET ')).length,
        };
      } finally {
        storage.close();
      }
    };
    const s3Cold = await s3Plan();
    const s3Warm = await s3Plan();
    console.log(
      JSON.stringify({
        bench: `dispose plan on S3Mock, a root of ${s3Jobs} jobs x 2 x ${SHARED} (${remote.length} objects)`,
        cold: s3Cold,
        warm: s3Warm,
        setupWriteMs: Date.now() - s3Start,
        // The same plan on the local tree's size: a LIST page per 1,000 keys of the root (and one of the target's
        // folder), a GET of each _metadata when the cache is cold (none when warm).
        [`expected for ${jobs} jobs (${all.size} objects)`]: { listRequests: Math.ceil(all.size / 1000) + 1, coldGets: jobs * 2, warmGets: 1 },
      }),
    );
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
