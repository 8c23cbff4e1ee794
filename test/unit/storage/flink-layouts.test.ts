// Golden files of the storage layouts (recorded by test/flink/layouts.test.ts with RECORD_FIXTURES=1 from real
// 1.20.5 and 2.3.0 clusters): a checkpoint of job B that a CLAIM or LEGACY restore made reference job A's files,
// a changelog checkpoint (change-log files under <root>/<job>/dstl/), file merging after a CLAIM restore, and ForSt
// with its live database under the checkpoint root. What the reader must say: which files, which lie outside the
// snapshot's own job folder, and the size each must have (files.json: what the folders held when recorded).
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { operatorIdForUid } from '../../../src/domain/operator-id.js';
import { isForStDatabaseFile } from '../../../src/domain/shared-state.js';
import { decodeFlinkMetadata, localPathOf, referencedFiles, sizeProblem, usesChangelog } from '../../../src/storage/flink-metadata/index.js';
import { checkReferencedFiles } from '../../../src/storage/verify.js';
import { localStorage } from '../../support/storage.js';
import type { FlinkCheckpointMetadata, KeyedHandle } from '../../../src/storage/flink-metadata/index.js';

const ROOT = path.resolve('fixtures/flink-metadata');
const KINDS = ['checkpoint-claim', 'checkpoint-legacy', 'checkpoint-changelog', 'checkpoint-file-merging-claim', 'checkpoint-forst'];
const UIDS = ['numbers', 'counter', 'sink'];
const INLINE_THRESHOLD = 20 * 1024; // Flink's default: smaller state is stored inside _metadata

interface Listing {
  directory: string;
  files: Array<{ path: string; bytes: number }>;
}

const fixtures = (existsSync(ROOT) ? readdirSync(ROOT) : []).flatMap((version) =>
  readdirSync(path.join(ROOT, version))
    .filter((kind) => KINDS.includes(kind))
    .map((kind) => ({ version, kind, dir: path.join(ROOT, version, kind) })),
);

function load(dir: string): { listing: Listing; m: FlinkCheckpointMetadata } {
  const listing = JSON.parse(readFileSync(path.join(dir, 'files.json'), 'utf8')) as Listing;
  return { listing, m: decodeFlinkMetadata(readFileSync(path.join(dir, '_metadata')), { snapshotDir: listing.directory }) };
}

const counterState = (m: FlinkCheckpointMetadata): KeyedHandle | null =>
  m.operators.find((o) => o.id === operatorIdForUid('counter'))!.subtasks[0].managedKeyedState;

describe('layout golden files from real Flink clusters', () => {
  it('covers every layout on the versions that have it', () => {
    expect(fixtures.map((f) => `${f.version}/${f.kind}`).sort()).toEqual(
      [
        '1.20.5/checkpoint-claim',
        '1.20.5/checkpoint-legacy',
        '2.3.0/checkpoint-changelog',
        '2.3.0/checkpoint-claim',
        '2.3.0/checkpoint-file-merging-claim',
        '2.3.0/checkpoint-forst',
      ].sort(),
    );
  });

  it('are small (KBs)', () => {
    for (const f of fixtures) expect([f.kind, readFileSync(path.join(f.dir, '_metadata')).length < 64 * 1024]).toEqual([f.kind, true]);
  });

  describe.each(fixtures)('$version $kind', ({ version, kind, dir }) => {
    const { listing, m } = load(dir);
    const files = referencedFiles(m);
    const had = new Map(listing.files.map((f) => [f.path, f.bytes]));
    const jobFolder = path.dirname(listing.directory) + '/';
    const outside = files.filter((f) => !localPathOf(f.path)!.startsWith(jobFolder));

    it('is a checkpoint of the layout job, in the metadata version its release writes', () => {
      expect(m.version).toBe(version === '1.20.5' ? 4 : 6);
      expect(m.checkpointId).toBe(Number(path.basename(listing.directory).replace('chk-', '')));
      expect(m.operators.map((o) => o.id).sort()).toEqual(UIDS.map(operatorIdForUid).sort());
    });

    it('references only files the folders held, each with the size the metadata gives', () => {
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const size = had.get(localPathOf(f.path)!);
        expect([f.path, size !== undefined && sizeProblem(f, size) === undefined]).toEqual([f.path, true]);
      }
    });

    if (kind === 'checkpoint-claim' || kind === 'checkpoint-legacy') {
      it("references files in another job's shared/ (the checkpoint it was restored from), wider than the inline threshold", () => {
        expect(counterState(m)).toMatchObject({ type: 'incremental', keyGroupRange: { start: 0, end: 127 } });
        expect(outside.length).toBeGreaterThan(0);
        for (const f of outside) {
          expect(localPathOf(f.path)).toMatch(/\/checkpoints\/[0-9a-f]{32}\/shared\/[^/]+$/);
          expect(f.bytes).toBeGreaterThan(INLINE_THRESHOLD);
        }
        expect(new Set(outside.map((f) => path.dirname(path.dirname(localPathOf(f.path)!)))).size).toBe(1);
        expect(usesChangelog(m)).toBe(false);
      });
    }

    if (kind === 'checkpoint-changelog') {
      it('holds change-log (dstl) handles: files under <root>/<job>/dstl/, one format byte longer than their handles', () => {
        const state = counterState(m);
        expect(state).toMatchObject({ type: 'changelog' });
        const logs = (state as Extract<KeyedHandle, { type: 'changelog' }>).nonMaterialized.filter((h) => h.type === 'changelog-file');
        expect(logs.length).toBeGreaterThan(0);
        const dstl = files.filter((f) => f.changelog);
        expect(dstl.length).toBeGreaterThan(0);
        for (const f of dstl) {
          expect(localPathOf(f.path)!.startsWith(`${jobFolder}dstl/`)).toBe(true);
          expect(had.get(localPathOf(f.path)!)).toBe(f.bytes);
          expect(sizeProblem(f, f.bytes - 1, 0)).toBe(`${f.bytes - 1} bytes, expected ${f.bytes}`);
        }
        expect(Math.max(...dstl.map((f) => f.bytes))).toBeGreaterThan(INLINE_THRESHOLD);
        expect(usesChangelog(m)).toBe(true);
      });
    }

    if (kind === 'checkpoint-file-merging-claim') {
      it("holds its state as segments of its own merged files (none of the restored job's), each physical file at least as long as its segments", () => {
        expect(outside).toEqual([]);
        expect(files.some((f) => !f.exact)).toBe(true);
        for (const f of files.filter((x) => !x.exact)) expect(had.get(localPathOf(f.path)!)!).toBeGreaterThanOrEqual(f.bytes);
        expect(files.some((f) => /\/shared\/job_[0-9a-f]{32}_op_[0-9a-f]{32}_\d+_\d+\//.test(localPathOf(f.path)!))).toBe(true);
      });
    }

    if (kind === 'checkpoint-forst') {
      it('references the live database files in place (shared/op_*__attempt_*/db/), which gc leaves to the database', () => {
        const inDatabase = files.filter((f) => isForStDatabaseFile(localPathOf(f.path)!));
        expect(inDatabase.length).toBeGreaterThan(0);
        expect(Math.max(...inDatabase.map((f) => f.bytes))).toBeGreaterThan(INLINE_THRESHOLD);
        expect(outside).toEqual([]);
      });
    }
  });
});

describe('verifying change-log files on local disk', () => {
  it('an uncompressed one must be its handle plus the format byte; a Snappy-compressed one (format byte 1) any size', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dstl-'));
    try {
      const write = (name: string, first: number, size: number) => {
        const bytes = Buffer.alloc(size, 9);
        bytes[0] = first;
        writeFileSync(path.join(dir, name), bytes);
        return `file:${path.join(dir, name)}`;
      };
      const log = (p: string, handleSize: number) => ({ path: p, bytes: handleSize + 1, exact: true, changelog: true }) as const;
      const good = log(write('plain', 0, 101), 100);
      const short = log(write('short', 0, 100), 100);
      const compressed = log(write('snappy', 1, 37), 100);
      const problems = await checkReferencedFiles(localStorage.pool, [good, short, compressed]);
      expect(problems).toEqual([{ path: short.path, problem: '100 bytes, expected 101' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
