// The reader of Apache Flink's _metadata: golden files recorded from real 1.20 and 2.3 clusters (see
// test/flink/metadata.test.ts), synthetic files with every handle type, and corrupt input.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { encodeFlinkMetadata } from '../../../bench/flink-metadata-encoder.mjs';
import { operatorIdForUid } from '../../../src/domain/operator-id.js';
import {
  decodeFlinkMetadata,
  FlinkMetadataError,
  localPathOf,
  operatorBytes,
  referencedFiles,
  sizeProblem,
  totalBytes,
  usesChangelog,
} from '../../../src/storage/flink-metadata/index.js';
import type { FlinkCheckpointMetadata, KeyedHandle, OperatorState, SubtaskState } from '../../../src/storage/flink-metadata/index.js';
import { decodeMetadata } from '../../../src/storage/metadata.js';

const ROOT = path.resolve('fixtures/flink-metadata');
const UIDS = ['numbers', 'extra', 'extra-map', 'counter', 'sink'];
const EXPECTED_VERSION: Record<string, number> = { '1.20.5': 4, '2.3.0': 6 };

interface Listing {
  directory: string;
  files: Array<{ path: string; bytes: number }>;
}
// The storage-layout fixtures (another job, other operators) have their own suite: flink-layouts.test.ts.
const KINDS = ['checkpoint-file-merging', 'checkpoint-hashmap', 'checkpoint-rocksdb-incremental', 'savepoint-canonical', 'savepoint-native'];
const fixtures = (existsSync(ROOT) ? readdirSync(ROOT) : []).flatMap((version) =>
  readdirSync(path.join(ROOT, version))
    .filter((name) => KINDS.includes(name))
    .map((name) => ({ version, name, dir: path.join(ROOT, version, name) })),
);

function load(dir: string): { bytes: Buffer; listing: Listing; m: FlinkCheckpointMetadata } {
  const bytes = readFileSync(path.join(dir, '_metadata'));
  const listing = JSON.parse(readFileSync(path.join(dir, 'files.json'), 'utf8')) as Listing;
  return { bytes, listing, m: decodeFlinkMetadata(bytes, { snapshotDir: listing.directory }) };
}

const keyedOf = (m: FlinkCheckpointMetadata, uid: string): KeyedHandle | null =>
  m.operators.find((o) => o.id === operatorIdForUid(uid))!.subtasks[0].managedKeyedState;

describe('golden files from real Flink clusters', () => {
  it('covers both versions and the five kinds of snapshot', () => {
    expect(fixtures.map((f) => `${f.version}/${f.name}`).sort()).toEqual(['1.20.5', '2.3.0'].flatMap((v) => KINDS.map((n) => `${v}/${n}`)));
  });

  describe.each(fixtures)('$version $name', ({ version, name, dir }) => {
    const { bytes, listing, m } = load(dir);

    it("has the version the release writes, the job's operators by Flink's uid hash, and (v5+) the uids themselves", () => {
      expect(m.version).toBe(EXPECTED_VERSION[version]);
      expect(m.masterStates).toEqual([]);
      expect(m.operators.map((o) => o.id).sort()).toEqual(UIDS.map(operatorIdForUid).sort());
      for (const op of m.operators) {
        expect(op).toMatchObject({ parallelism: 1, maxParallelism: 128, fullyFinished: false });
        expect(op.subtasks.map((s) => [s.index, s.finished])).toEqual([[0, false]]);
        if (m.version >= 5) expect(operatorIdForUid(op.uid!)).toBe(op.id);
        else expect(op.uid).toBeNull();
      }
      if (name.startsWith('checkpoint')) expect(m.checkpointId).toBe(Number(path.basename(listing.directory).replace('chk-', '')));
    });

    it('reads the checkpoint properties Flink appended', () => {
      const type = m.properties!.checkpointType as Record<string, unknown>;
      if (name === 'savepoint-canonical')
        expect(type).toMatchObject({ '@class': 'org.apache.flink.runtime.checkpoint.SavepointType', formatType: 'CANONICAL' });
      else if (name === 'savepoint-native') expect(type).toMatchObject({ '@class': 'org.apache.flink.runtime.checkpoint.SavepointType', formatType: 'NATIVE' });
      else expect(type).toMatchObject({ '@class': 'org.apache.flink.runtime.checkpoint.CheckpointType', name: 'Checkpoint' });
      expect(m.properties).toMatchObject({ '@class': 'org.apache.flink.runtime.checkpoint.CheckpointProperties', forced: name.startsWith('savepoint') });
    });

    it('has the handle types this kind of snapshot is made of', () => {
      const source = m.operators.find((o) => o.id === operatorIdForUid('numbers'))!.subtasks[0];
      const merging = name === 'checkpoint-file-merging';
      expect(source.managedOperatorState).toMatchObject({
        type: merging ? 'file-merging-operator' : 'operator',
        states: [{ name: 'SourceReaderState', mode: 'SPLIT_DISTRIBUTE' }],
      });
      const counter = keyedOf(m, 'counter')!;
      if (merging) {
        // File merging: state lives in segments of shared physical files under taskowned/ (exclusive scope).
        expect(counter).toMatchObject({ type: 'key-groups', savepoint: false, delegate: { type: 'segment-file', scope: 'EXCLUSIVE' } });
        expect(source.managedOperatorState).toMatchObject({ delegate: { type: 'segment-file' }, empty: false });
        const stateless = m.operators.find((o) => o.id === operatorIdForUid('sink'))!.subtasks[0].managedOperatorState;
        expect(stateless).toMatchObject({ type: 'file-merging-operator', states: [], delegate: { type: 'empty-segment-file' } });
      } else if (name === 'savepoint-canonical') expect(counter).toMatchObject({ type: 'key-groups', savepoint: true, keyGroupRange: { start: 0, end: 127 } });
      else if (name === 'checkpoint-rocksdb-incremental') {
        expect(counter).toMatchObject({ type: 'incremental', keyGroupRange: { start: 0, end: 127 } });
        const inc = counter as Extract<KeyedHandle, { type: 'incremental' }>;
        expect(inc.sharedState.length).toBeGreaterThan(0);
        expect(inc.sharedState.every((s) => s.localPath.endsWith('.sst'))).toBe(true);
        expect(inc.privateState.some((p) => p.localPath.startsWith('MANIFEST-'))).toBe(true);
      } else expect(counter).toMatchObject({ type: 'key-groups', savepoint: false, keyGroupRange: { start: 0, end: 127 } });
      for (const op of m.operators) for (const s of op.subtasks) expect([...s.inputChannelState, ...s.outputChannelState]).toEqual([]);
    });

    it('references only files the snapshot had, each with its recorded size; operator bytes add up', () => {
      const had = new Map(listing.files.map((f) => [f.path, f.bytes]));
      const files = referencedFiles(m);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const size = had.get(localPathOf(f.path)!);
        if (f.exact) expect([f.path, size]).toEqual([f.path, f.bytes]);
        else expect([f.path, size! >= f.bytes]).toEqual([f.path, true]); // a merged file holds at least its segments
      }
      expect(totalBytes(m)).toBe(m.operators.reduce((n, op) => n + operatorBytes(op), 0));
      if (name === 'checkpoint-rocksdb-incremental') expect(files.some((f) => localPathOf(f.path)!.includes('/shared/'))).toBe(true);
    });

    it('round-trips through the test encoder to a file of the same length that decodes the same', () => {
      const withoutProperties = encodeFlinkMetadata({ ...m, version: m.version }, { propertiesBytes: Buffer.alloc(0) });
      const properties = bytes.subarray(withoutProperties.length);
      const again = encodeFlinkMetadata(m, { propertiesBytes: properties });
      expect(again.length).toBe(bytes.length);
      expect(decodeFlinkMetadata(again, { snapshotDir: listing.directory })).toEqual(m);
    });

    it('gives a one-line error for every truncation, never a crash', () => {
      for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 700))) {
        let error: unknown;
        try {
          decodeFlinkMetadata(bytes.subarray(0, cut));
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(FlinkMetadataError);
        expect((error as Error).message).not.toContain('\n');
      }
    });

    it('is what decodeMetadata (the header reader other code uses) now returns in full', () => {
      const decoded = decodeMetadata(bytes);
      expect(decoded).toMatchObject({ kind: 'flink', version: m.version, checkpointId: m.checkpointId });
      expect(decoded.kind === 'flink' && decoded.metadata?.operators.length).toBe(5);
    });
  });
});

// ---- synthetic files: every handle type the format has, in each version that has it ----------------------

const file = (p: string, size: number) => ({ type: 'file' as const, path: p, size });
const range = { start: 0, end: 3 };

function subtask(index: number, overrides: Partial<SubtaskState> = {}): SubtaskState {
  return {
    index,
    finished: false,
    managedOperatorState: null,
    rawOperatorState: null,
    managedKeyedState: null,
    rawKeyedState: null,
    inputChannelState: [],
    outputChannelState: [],
    ...overrides,
  };
}

function op(uid: string, subtasks: SubtaskState[], version: number, extra: Partial<OperatorState> = {}): OperatorState {
  return {
    id: operatorIdForUid(uid),
    name: version >= 5 ? `op ${uid}` : null,
    uid: version >= 5 ? uid : null,
    parallelism: subtasks.length || 2,
    maxParallelism: 4,
    coordinatorState: null,
    fullyFinished: false,
    subtasks,
    ...extra,
  };
}

function everything(version: number): FlinkCheckpointMetadata {
  const keyGroups: KeyedHandle = {
    type: 'key-groups',
    savepoint: false,
    keyGroupRange: range,
    offsets: [0, 10, 20, 30],
    delegate: file('file:/s/kg', 40),
    stateHandleId: 'h1',
  };
  const incremental: KeyedHandle = {
    type: 'incremental',
    checkpointId: 7,
    backendId: '6b2f3e0e-8d33-4b5f-9a7c-0c1f6e1e2a3b',
    keyGroupRange: range,
    checkpointedSize: 300,
    metaStateHandle: { type: 'relative-file', relativePath: 'meta', path: '/snap/chk-7/meta', size: 12 },
    sharedState: [{ localPath: '000011.sst', handle: file('file:/snap/shared/a.sst', 200) }],
    privateState: [{ localPath: 'MANIFEST-000004', handle: { type: 'byte-stream', name: 'inline', size: 16, data: Buffer.alloc(16) } }],
    stateHandleId: 'h2',
  };
  const changelog: KeyedHandle = {
    type: 'changelog',
    keyGroupRange: range,
    checkpointedSize: 99,
    materialized: [keyGroups],
    materializationId: 3,
    checkpointId: 8,
    stateHandleId: 'h3',
    nonMaterialized: [
      { type: 'changelog-bytes', keyGroupRange: range, from: 1, to: 5, changes: 2, size: 9, stateHandleId: 'h4' },
      {
        type: 'changelog-file',
        keyGroupRange: range,
        handles: [{ offset: 4, handle: file('file:/dstl/f1', 50) }],
        size: 46,
        checkpointedSize: 46,
        stateHandleId: 'h5',
        storageIdentifier: 'filesystem',
      },
    ],
  };
  const operators = [
    op(
      'keyed',
      [
        subtask(0, {
          managedKeyedState: keyGroups,
          rawKeyedState: { type: 'key-groups', savepoint: true, keyGroupRange: range, offsets: [1, 2, 3, 4], delegate: file('file:/s/raw', 5) },
        }),
        subtask(1, { managedKeyedState: incremental }),
        subtask(2, { managedKeyedState: changelog }),
        subtask(3, { finished: true }),
      ],
      version,
      { coordinatorState: { type: 'byte-stream', name: 'coordinator', size: 33, data: Buffer.alloc(33) } },
    ),
    op(
      'operator-state',
      [
        subtask(0, {
          managedOperatorState: {
            type: 'operator',
            states: [
              { name: 'ünïcødé list', mode: 'UNION', offsets: [0, 8] },
              { name: 'b', mode: 'BROADCAST', offsets: [] },
            ],
            delegate: file('file:/s/ops', 16),
          },
          rawOperatorState: {
            type: 'file-merging-operator',
            states: [{ name: 'merged', mode: 'SPLIT_DISTRIBUTE', offsets: [0] }],
            taskOwnedDir: 'file:/cp/taskowned/x',
            sharedDir: 'file:/cp/shared/x',
            empty: false,
            delegate: { type: 'segment-file', path: 'file:/cp/taskowned/x/merged-1', startPos: 100, size: 20, scope: 'EXCLUSIVE', logicalFileId: 'lf-1' },
          },
          managedKeyedState: {
            type: 'key-groups',
            savepoint: false,
            keyGroupRange: range,
            offsets: [0, 0, 0, 0],
            delegate: { type: 'segment-file', path: 'file:/cp/taskowned/x/merged-1', startPos: 0, size: 90, scope: 'SHARED', logicalFileId: 'lf-2' },
            stateHandleId: 'h6',
          },
          inputChannelState: [{ type: 'input-channel', subtaskIndex: 0, info: [0, 1], offsets: [0, 5], size: 10, delegate: file('file:/cp/chk-1/in', 10) }],
          outputChannelState: [
            { type: 'result-subpartition', subtaskIndex: 0, info: [2, 3], offsets: [7], size: 8, delegate: { type: 'empty-segment-file', size: 0 } },
          ],
        }),
      ],
      version,
    ),
    op('finished', [], version, { fullyFinished: true }),
  ];
  if (version >= 6) {
    operators[1].subtasks[0].inputChannelState.push({
      type: 'merged-input-channel',
      subtaskIndex: 0,
      size: 30,
      delegate: file('file:/cp/chk-1/min', 30),
      channelOffsetsBytes: 6,
    });
    operators[1].subtasks[0].outputChannelState.push({ type: 'merged-result-subpartition', subtaskIndex: 0, size: 4, delegate: null, channelOffsetsBytes: 0 });
  }
  const properties =
    version >= 4
      ? {
          '@class': 'org.apache.flink.runtime.checkpoint.CheckpointProperties',
          discardCancelled: true,
          discardFailed: false,
          discardFinished: true,
          discardSubsumed: true,
          discardSuspended: false,
          forced: false,
          unclaimed: false,
          checkpointType: { '@class': 'org.apache.flink.runtime.checkpoint.SavepointType', formatType: 'NATIVE', name: 'Savepoint' },
        }
      : null;
  return { version, checkpointId: 42, masterStates: [{ name: 'master-hook', version: 2, size: 5 }], operators, properties };
}

describe.each([3, 4, 5, 6])('synthetic metadata version %i', (version) => {
  const m = everything(version);
  const bytes = encodeFlinkMetadata(m);

  it('decodes every handle type the version has', () => {
    expect(decodeFlinkMetadata(bytes, { snapshotDir: '/snap/chk-7' })).toEqual(m);
  });

  it('resolves relative files against the snapshot directory; lists each file once, merged segments by their end', () => {
    const decoded = decodeFlinkMetadata(bytes, { snapshotDir: '/snap/chk-7/' });
    const files = referencedFiles(decoded);
    expect(files).toContainEqual({ path: '/snap/chk-7/meta', bytes: 12, exact: true });
    expect(files).toContainEqual({ path: 'file:/cp/taskowned/x/merged-1', bytes: 120, exact: false });
    expect(files.filter((f) => f.path === 'file:/cp/taskowned/x/merged-1')).toHaveLength(1);
    expect(files.map((f) => f.path)).not.toContain('inline');
    // A change-log file holds one format byte before what its handle counts.
    expect(files).toContainEqual({ path: 'file:/dstl/f1', bytes: 51, exact: true, changelog: true });
    expect(usesChangelog(decoded)).toBe(true);
  });

  it('names an unknown handle type and the version, and the byte', () => {
    // The coordinator state's tag of the first operator follows the header, the master state and the id.
    const at = bytes.indexOf(Buffer.from(m.operators[0].id, 'hex')) + 16 + 8;
    expect(bytes[at]).toBe(1); // a byte stream handle
    const broken = Buffer.from(bytes);
    broken[at] = 99;
    expect(() => decodeFlinkMetadata(broken)).toThrow(`unsupported handle type 99 in version ${version} (a stream handle at byte ${at})`);
  });
});

describe('refusals', () => {
  it('wrong magic, unknown versions, and garbage counts are one-line errors', () => {
    expect(() => decodeFlinkMetadata(Buffer.from('#flink-cli-snapshot 1\n'))).toThrow('not Apache Flink checkpoint metadata (wrong magic number)');
    expect(() => decodeFlinkMetadata(Buffer.alloc(2))).toThrow('not Apache Flink checkpoint metadata (wrong magic number)');
    const known = 'this reader knows versions 3 to 6, written by Apache Flink 1.11 to 2.3';
    for (const v of [1, 2, 1000]) {
      const b = Buffer.alloc(24);
      b.writeUInt32BE(0x4960672d, 0);
      b.writeInt32BE(v, 4);
      expect(() => decodeFlinkMetadata(b)).toThrow(`unsupported metadata version ${v} (${known})`);
    }
    // A version past the newest a released Flink writes is refused by name: a newer reader is the fix.
    const b = Buffer.alloc(24);
    b.writeUInt32BE(0x4960672d, 0);
    b.writeInt32BE(7, 4);
    expect(() => decodeFlinkMetadata(b)).toThrow(`metadata format version 7 is newer than this reader (${known}); a newer flink-cli is needed to read it`);
    const huge = encodeFlinkMetadata({ version: 3, checkpointId: 1, masterStates: [], operators: [], properties: null });
    huge.writeInt32BE(0x7fffffff, 20);
    expect(() => decodeFlinkMetadata(huge)).toThrow(/^corrupt: the number of operator states at byte 20 is 2147483647/);
  });

  it('an unknown keyed state handle type in a real file', () => {
    const { bytes } = load(path.join(ROOT, '1.20.5', 'savepoint-canonical'));
    const m = decodeFlinkMetadata(bytes);
    // In a canonical savepoint the counter's keyed state is a savepoint key-groups handle (tag 7).
    // id, parallelism, max parallelism, no coordinator state, 1 subtask, index 0, no managed / raw operator state.
    const tagAt = bytes.indexOf(Buffer.from(operatorIdForUid('counter'), 'hex')) + 16 + 4 + 4 + 1 + 4 + 4 + 4 + 4;
    expect(keyedOf(m, 'counter')?.type).toBe('key-groups');
    expect(bytes[tagAt]).toBe(7);
    const broken = Buffer.from(bytes);
    broken[tagAt] = 42;
    expect(() => decodeFlinkMetadata(broken)).toThrow(`unsupported handle type 42 in version 4 (a keyed state handle at byte ${tagAt})`);
  });
});

describe('the size a referenced file must have', () => {
  it('exact files, merged segments (at least), change-log files (their format byte; compressed ones by that byte)', () => {
    expect(sizeProblem({ path: 'a', bytes: 10, exact: true }, 10)).toBeUndefined();
    expect(sizeProblem({ path: 'a', bytes: 10, exact: true }, 11)).toBe('11 bytes, expected 10');
    expect(sizeProblem({ path: 'a', bytes: 10, exact: false }, 12)).toBeUndefined();
    expect(sizeProblem({ path: 'a', bytes: 10, exact: false }, 9)).toBe('9 bytes, expected at least 10');
    const log = { path: 'dstl/x', bytes: 121441, exact: true, changelog: true } as const;
    expect(sizeProblem(log, 121441)).toBeUndefined();
    expect(sizeProblem(log, 121440, 0)).toBe('121440 bytes, expected 121441');
    expect(sizeProblem(log, 5000, 1)).toBeUndefined(); // Snappy: its size says nothing about the handle's
    expect(sizeProblem(log, 5000)).toBe('5000 bytes, expected 121441');
  });
});
