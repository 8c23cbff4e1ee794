// `flink savepoints state` and `diff` on a 1 GiB keyed-state file, side by side in one run with `cat file >
// /dev/null` as the I/O floor. The savepoint is synthesised here in a temp dir (deleted after): a canonical
// keyed-state file as Flink writes it (String keys, max parallelism 128; per key a Long VALUE, a String VALUE, a
// MAP<String, Long> of three entries and a LIST<String> of five) and a _metadata naming it. Prints, per case, the
// median wall time, the throughput (MB/s of state read), the CPU time and MB per CPU second, and the peak
// resident memory (GNU time). BENCH_STATE_BYTES sets the size, BENCH_STATE_RUNS the runs per case.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { encodeFlinkMetadata } from './flink-metadata-encoder.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'flink');
const runs = Number(process.env.BENCH_STATE_RUNS ?? 3);
const targetBytes = Number(process.env.BENCH_STATE_BYTES ?? 1024 ** 3);
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const MAX_PARALLELISM = 128;

const tmp = mkdtempSync(path.join(tmpdir(), 'flink-state-bench-'));
try {
  const bundle = await build({
    entryPoints: [path.join(root, 'test/support/keyed-state-writer.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  writeFileSync(path.join(tmp, 'writer.mjs'), bundle.outputFiles[0].contents);
  const { header, simple, composite, SIMPLE } = await import(pathToFileURL(path.join(tmp, 'writer.mjs')).href);
  const P = 'org.apache.flink.api.common.typeutils.base.';
  const ns = simple(SIMPLE.void);
  const headerBytes = header(simple(SIMPLE.string), [
    { name: 'count', kind: 'VALUE', serializers: { NAMESPACE_SERIALIZER: ns, VALUE_SERIALIZER: simple(SIMPLE.long) } },
    { name: 'profile', kind: 'VALUE', serializers: { NAMESPACE_SERIALIZER: ns, VALUE_SERIALIZER: simple(SIMPLE.string) } },
    {
      name: 'per-kind',
      kind: 'MAP',
      serializers: { NAMESPACE_SERIALIZER: ns, VALUE_SERIALIZER: composite(`${P}MapSerializerSnapshot`, [simple(SIMPLE.string), simple(SIMPLE.long)]) },
    },
    {
      name: 'history',
      kind: 'LIST',
      serializers: { NAMESPACE_SERIALIZER: ns, VALUE_SERIALIZER: composite(`${P}ListSerializerSnapshot`, [simple(SIMPLE.string)]) },
    },
  ]);

  // The state file, one key group at a time (entries grouped by state, flag bit and marks as Flink writes them).
  const dir = path.join(tmp, 'savepoint-fd7201-0123456789ab');
  mkdirSync(dir);
  const file = path.join(dir, 'keyed-state');
  const fd = openSync(file, 'w');
  writeSync(fd, headerBytes);
  const perKey = 6 * 8 + (2 + 14) * 6 + 8 + 121 + 3 * (3 + 8) + 5 * 12 + 4; // ~ bytes of one key's entries
  const keysPerGroup = Math.ceil((targetBytes - headerBytes.length) / MAX_PARALLELISM / perKey);
  const offsets = [];
  let at = headerBytes.length;
  const profile = Buffer.from('x'.repeat(120));
  for (let g = 0; g < MAX_PARALLELISM; g++) {
    offsets.push(at);
    const buf = Buffer.alloc(keysPerGroup * (perKey + 64) + 64);
    let p = 0;
    let lastEntryAt = -1;
    const key = (k, extra) => {
      lastEntryAt = p;
      // prefix, StringValue "user-%08d" (length 13 + 1), VoidNamespace, a map's user key
      buf.writeInt32BE(1 + 14 + 1 + (extra ? extra.length : 0), p);
      buf[p + 4] = g;
      buf[p + 5] = 14;
      buf.write(`user-${String(g * keysPerGroup + k).padStart(8, '0')}`, p + 6, 'latin1');
      buf[p + 19] = 0;
      p += 20;
      if (extra) p += extra.copy(buf, p);
    };
    const value = (write, length) => {
      buf.writeInt32BE(length, p);
      write(p + 4);
      p += 4 + length;
    };
    const flag = () => (buf[lastEntryAt + 4] |= 0x80); // the state's last entry: a short follows it
    const states = [
      (k) => {
        key(k);
        value((o) => buf.writeBigInt64BE(BigInt(k), o), 8);
      },
      (k) => {
        key(k);
        value((o) => {
          buf[o] = 121;
          profile.copy(buf, o + 1);
        }, 121);
      },
      (k) => {
        for (const [i, kind] of ['a', 'b', 'c'].entries()) {
          key(k, Buffer.from([2, kind.charCodeAt(0)]));
          value((o) => {
            buf[o] = 0; // not null
            buf.writeBigInt64BE(BigInt(k * 3 + i), o + 1);
          }, 9);
        }
      },
      (k) => {
        key(k);
        value(
          (o) => {
            for (let i = 0; i < 5; i++) {
              buf[o + i * 12] = 11;
              buf.write(`event-${String(i).padStart(4, '0')}`, o + i * 12 + 1, 'latin1');
              if (i < 4) buf[o + i * 12 + 11] = 0x2c; // each element is 11 bytes, a delimiter between two
            }
          },
          5 * 12 - 1,
        );
      },
    ];
    buf.writeUInt16BE(0, p);
    p += 2;
    for (let s = 0; s < states.length; s++) {
      for (let k = 0; k < keysPerGroup; k++) states[s](k);
      flag();
      buf.writeUInt16BE(s + 1 < states.length ? s + 1 : 0xffff, p);
      p += 2;
    }
    writeSync(fd, buf, 0, p);
    at += p;
  }
  closeSync(fd);
  const size = statSync(file).size;
  const empty = { managedOperatorState: null, rawOperatorState: null, rawKeyedState: null, inputChannelState: [], outputChannelState: [], finished: false };
  writeFileSync(
    path.join(dir, '_metadata'),
    encodeFlinkMetadata({
      version: 4,
      checkpointId: 7,
      masterStates: [],
      properties: {
        '@class': 'org.apache.flink.runtime.checkpoint.CheckpointProperties',
        forced: true,
        checkpointType: { '@class': 'org.apache.flink.runtime.checkpoint.SavepointType', name: 'Savepoint', formatType: 'CANONICAL' },
      },
      operators: [
        {
          id: '43c502db369b106061a4c7c72c012f5f',
          name: null,
          uid: null,
          parallelism: 1,
          maxParallelism: MAX_PARALLELISM,
          coordinatorState: null,
          fullyFinished: false,
          subtasks: [
            {
              ...empty,
              index: 0,
              managedKeyedState: {
                type: 'key-groups',
                savepoint: true,
                keyGroupRange: { start: 0, end: MAX_PARALLELISM - 1 },
                offsets,
                delegate: { type: 'relative-file', relativePath: 'keyed-state', path: 'keyed-state', size },
              },
            },
          ],
        },
      ],
    }),
  );

  const measure = (name, cmd, args, bytesRead) => {
    const walls = [];
    const cpus = [];
    let rssKb = 0;
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      const r = GNU_TIME
        ? spawnSync(GNU_TIME, ['-f', '%M %U %S', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] })
        : spawnSync(cmd, args, { stdio: 'ignore' });
      walls.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
      if (GNU_TIME) {
        const [rss, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
        rssKb = Math.max(rssKb, rss);
        cpus.push((user + sys) * 1000);
      }
    }
    const ms = median(walls);
    const line = { bench: `keyed state: ${name}`, runs, bytes: bytesRead, medianMs: +ms.toFixed(0), mbPerS: +(bytesRead / 1e6 / (ms / 1000)).toFixed(0) };
    if (GNU_TIME) {
      // CPU time (user + sys) moves much less than wall time on a loaded machine: MB/s per CPU second too.
      const cpu = median(cpus);
      Object.assign(line, { cpuMs: +cpu.toFixed(0), mbPerCpuS: +(bytesRead / 1e6 / (cpu / 1000)).toFixed(0), peakRssMb: +(rssKb / 1024).toFixed(0) });
    }
    console.log(JSON.stringify(line));
  };
  const flags = ['-m', '127.0.0.1:1', '--json'];
  measure('cat file > /dev/null (I/O floor)', 'bash', ['-c', `cat '${file}' > /dev/null`], size);
  measure('savepoints state (1 GiB file)', process.execPath, [bin, 'savepoints', 'state', dir, ...flags], size);
  measure('savepoints state --top 10', process.execPath, [bin, 'savepoints', 'state', dir, '--top', '10', ...flags], size);
  measure('savepoints diff (the file against itself)', process.execPath, [bin, 'savepoints', 'diff', dir, dir, ...flags], 2 * size);
  measure('savepoints diff --keys', process.execPath, [bin, 'savepoints', 'diff', dir, dir, '--keys', ...flags], 2 * size);
} finally {
  if (process.env.BENCH_STATE_KEEP) console.error(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
