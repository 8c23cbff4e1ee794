// `flink savepoints inspect` on large Flink snapshots, synthesised with the test encoder: a 1.20 (v4)
// savepoint of 120 operators x 4 subtasks, and a v4 RocksDB incremental checkpoint referencing 10,000 shared
// files. Prints, per case: the _metadata size, the decode time in process, and the CLI's median wall time and
// peak RSS (GNU time) for inspect --json and inspect --json --verify.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { encodeFlinkMetadata } from './flink-metadata-encoder.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'flink');
const runs = Number(process.env.BENCH_INSPECT_RUNS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const hex = (i, salt) => (BigInt(i) * 0x9e3779b97f4a7c15n + BigInt(salt)).toString(16).padStart(32, '0').slice(-32);
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const tmp = mkdtempSync(path.join(tmpdir(), 'flink-inspect-bench-'));
try {
  const bundle = await build({
    entryPoints: [path.join(root, 'src/storage/flink-metadata/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  writeFileSync(path.join(tmp, 'reader.mjs'), bundle.outputFiles[0].contents);
  const reader = await import(pathToFileURL(path.join(tmp, 'reader.mjs')).href);

  const props = (name, cls) => ({
    '@class': 'org.apache.flink.runtime.checkpoint.CheckpointProperties',
    forced: cls === 'SavepointType',
    checkpointType: { '@class': `org.apache.flink.runtime.checkpoint.${cls}`, name, formatType: 'CANONICAL' },
  });
  const empty = {
    managedOperatorState: null,
    rawOperatorState: null,
    managedKeyedState: null,
    rawKeyedState: null,
    inputChannelState: [],
    outputChannelState: [],
    finished: false,
  };

  // Case 1: a canonical savepoint of 120 operators, 4 subtasks each, every subtask with a keyed state file.
  const spDir = path.join(tmp, 'savepoint-fd7201-0123456789ab');
  mkdirSync(spDir);
  const operators = Array.from({ length: 120 }, (_, o) => ({
    id: hex(o, 1),
    name: null,
    uid: null,
    parallelism: 4,
    maxParallelism: 128,
    coordinatorState: null,
    fullyFinished: false,
    subtasks: Array.from({ length: 4 }, (_, s) => {
      const relativePath = `state-${o}-${s}`;
      writeFileSync(path.join(spDir, relativePath), Buffer.alloc(64));
      return {
        ...empty,
        index: s,
        managedKeyedState: {
          type: 'key-groups',
          savepoint: true,
          keyGroupRange: { start: s * 32, end: s * 32 + 31 },
          offsets: Array.from({ length: 32 }, (_, k) => k * 2),
          delegate: { type: 'relative-file', relativePath, path: relativePath, size: 64 },
        },
      };
    }),
  }));
  writeFileSync(
    path.join(spDir, '_metadata'),
    encodeFlinkMetadata({ version: 4, checkpointId: 17, masterStates: [], operators, properties: props('Savepoint', 'SavepointType') }),
  );

  // Case 2: a retained incremental checkpoint whose 10 subtasks reference 1,000 shared files each.
  const jobDir = path.join(tmp, 'fd72014d4c864993a2e5a9287b4a9c5d');
  const chkDir = path.join(jobDir, 'chk-42');
  mkdirSync(path.join(jobDir, 'shared'), { recursive: true });
  mkdirSync(chkDir);
  const shared = 10_000;
  const perSubtask = shared / 10;
  const incremental = {
    id: hex(7, 2),
    name: null,
    uid: null,
    parallelism: 10,
    maxParallelism: 128,
    coordinatorState: null,
    fullyFinished: false,
    subtasks: Array.from({ length: 10 }, (_, s) => ({
      ...empty,
      index: s,
      managedKeyedState: {
        type: 'incremental',
        checkpointId: 42,
        backendId: '6b2f3e0e-8d33-4b5f-9a7c-0c1f6e1e2a3b',
        keyGroupRange: { start: s * 12, end: s * 12 + 11 },
        checkpointedSize: 1000,
        stateHandleId: `h${s}`,
        metaStateHandle: { type: 'file', path: `file:${chkDir}/meta-${s}`, size: 0 },
        sharedState: Array.from({ length: perSubtask }, (_, i) => {
          const file = path.join(jobDir, 'shared', `${hex(s * perSubtask + i, 3)}`);
          writeFileSync(file, '');
          return { localPath: `${String(i).padStart(6, '0')}.sst`, handle: { type: 'file', path: `file:${file}`, size: 0 } };
        }),
        privateState: [{ localPath: 'MANIFEST-000004', handle: { type: 'byte-stream', name: 'manifest', size: 16 } }],
      },
    })),
  };
  for (let s = 0; s < 10; s++) writeFileSync(path.join(chkDir, `meta-${s}`), '');
  writeFileSync(
    path.join(chkDir, '_metadata'),
    encodeFlinkMetadata({ version: 4, checkpointId: 42, masterStates: [], operators: [incremental], properties: props('Checkpoint', 'CheckpointType') }),
  );

  for (const [name, dir] of [
    ['savepoint of 120 operators (480 files)', spDir],
    [`checkpoint referencing ${shared} shared files`, chkDir],
  ]) {
    const bytes = (await import('node:fs')).readFileSync(path.join(dir, '_metadata'));
    const decodeMs = [];
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      const m = reader.decodeFlinkMetadata(bytes, { snapshotDir: dir });
      reader.referencedFiles(m);
      decodeMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const result = { bench: `inspect: ${name}`, metadataBytes: bytes.length, decodeMedianMs: +median(decodeMs).toFixed(1) };
    for (const [label, extra] of [
      ['inspect', []],
      ['verify', ['--verify']],
    ]) {
      const wall = [];
      const rss = [];
      for (let i = 0; i < runs; i++) {
        const args = [process.execPath, bin, 'savepoints', 'inspect', dir, '--json', ...extra];
        const start = process.hrtime.bigint();
        const r = GNU_TIME
          ? spawnSync(GNU_TIME, ['-f', '%M', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
          : spawnSync(args[0], args.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        wall.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (r.status !== 0) throw new Error(`inspect ${extra.join(' ')} exited ${r.status}: ${r.stderr}`);
        const verified = JSON.parse(r.stdout).verified;
        if (extra.length > 0 && verified !== true) throw new Error('verification failed in the benchmark');
        const kb = GNU_TIME ? Number(r.stderr.trim().split('\n').at(-1)) : NaN;
        if (Number.isFinite(kb)) rss.push(kb);
      }
      result[`${label}MedianMs`] = +median(wall).toFixed(1);
      result[`${label}PeakRssMb`] = rss.length ? +(Math.max(...rss) / 1024).toFixed(1) : null;
    }
    console.log(JSON.stringify(result));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
