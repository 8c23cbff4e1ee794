// Retained RocksDB incremental checkpoints of real Flink clusters (golden _metadata, 1.20 and 2.3) on disk:
// full verification of what they reference, dispose with reference counts over shared/, and `savepoints gc`.
// The _metadata holds absolute paths, so each copy lives under a prefix of the original's length and the
// path strings are rewritten byte for byte (Java's writeUTF: ASCII stays one byte, lengths stay valid).
import { describe, expect, it } from '@jest/globals';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFlinkSnapshot } from '../../src/storage/flink-metadata/index.js';
import { localPathOf } from '../../src/storage/flink-metadata/summary.js';
import { emptyDir, fixture, runFlink } from './helpers.js';

interface Listing {
  directory: string;
  files: Array<{ path: string; bytes: number }>;
}

function replaceAll(bytes: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('same length only');
  const out = Buffer.from(bytes);
  const needle = Buffer.from(from);
  for (let i = out.indexOf(needle); i >= 0; i = out.indexOf(needle, i + 1)) out.write(to, i);
  return out;
}

/** A directory whose path has exactly `length` characters. */
function dirOfLength(length: number): string {
  const base = mkdtempSync(path.join(emptyDir('reloc-'), 'r'));
  const pad = length - base.length - 1;
  if (pad < 1) throw new Error(`temp dir ${base} is too long to stand in for a path of ${length} characters`);
  const dir = path.join(base, 'x'.repeat(pad));
  mkdirSync(dir);
  return dir;
}

interface Relocated {
  root: string;
  jobDir: string;
  chk: string;
  shared: string[];
  rewrite: (from: string, to: string) => Buffer;
}

/**
 * A copy of a real retained checkpoint: its _metadata pointing at the copy, and every file it references of its
 * recorded size (the fixture's listing also names shared files of older checkpoints; they are left out).
 */
async function relocate(version: string): Promise<Relocated> {
  const src = fixture('flink-metadata', version, 'checkpoint-rocksdb-incremental');
  const listing = JSON.parse(readFileSync(path.join(src, 'files.json'), 'utf8')) as Listing;
  const oldPrefix = path.dirname(path.dirname(listing.directory)); // the checkpoint root above <job>/chk-<n>
  const newPrefix = dirOfLength(oldPrefix.length);
  const moved = (p: string) => newPrefix + p.slice(oldPrefix.length);
  const metadata = replaceAll(readFileSync(path.join(src, '_metadata')), oldPrefix, newPrefix);
  const chk = moved(listing.directory);
  mkdirSync(chk, { recursive: true });
  writeFileSync(path.join(chk, '_metadata'), metadata);
  const shared: string[] = [];
  for (const f of (await readFlinkSnapshot(chk)).files) {
    const p = localPathOf(f.path)!;
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, Buffer.alloc(f.bytes));
    if (path.basename(path.dirname(p)) === 'shared') shared.push(p);
  }
  mkdirSync(path.join(path.dirname(chk), 'shared'), { recursive: true });
  const jobDir = path.dirname(chk);
  return { root: path.dirname(jobDir), jobDir, chk, shared, rewrite: (from, to) => replaceAll(metadata, from, to) };
}

/**
 * A newer retained checkpoint chk-<n+1>: the same state, but one shared file replaced by a new one (as RocksDB
 * compaction does), so exactly that old file is referenced by the older checkpoint alone.
 */
function newerCheckpoint(r: Relocated): { chk: string; onlyOld: string; onlyNew: string } {
  const n = Number(/chk-(\d+)$/.exec(r.chk)![1]);
  const chk = path.join(r.jobDir, `chk-${n + 1}`);
  if (String(n + 1).length !== String(n).length) throw new Error('same length only');
  const onlyOld = r.shared[0];
  const onlyNew = path.join(
    path.dirname(onlyOld),
    path.basename(onlyOld).replace(/^./, (c) => (c === 'f' ? 'e' : 'f')),
  );
  let bytes = replaceAll(readFileSync(path.join(r.chk, '_metadata')), `chk-${n}/`, `chk-${n + 1}/`);
  bytes = replaceAll(bytes, onlyOld, onlyNew);
  mkdirSync(chk);
  for (const name of readdirSync(r.chk)) if (name !== '_metadata') writeFileSync(path.join(chk, name), readFileSync(path.join(r.chk, name)));
  writeFileSync(onlyNew, readFileSync(onlyOld));
  writeFileSync(path.join(chk, '_metadata'), bytes);
  // Completed later than the older one.
  const later = new Date(Date.now() + 1000);
  utimesSync(path.join(chk, '_metadata'), later, later);
  return { chk, onlyOld, onlyNew };
}

const offline = ['-m', '127.0.0.1:1'];
const ago = (ms: number) => new Date(Date.now() - ms);

describe.each(['1.20.5', '2.3.0'])('retained RocksDB incremental checkpoints of Flink %s', (version) => {
  it('full verification: a deleted referenced file makes inspect --verify fail naming it, the listing mark it corrupt, --latest skip it', async () => {
    const r = await relocate(version);
    const newer = newerCheckpoint(r);
    expect((await runFlink(['savepoints', 'inspect', newer.chk, '--verify'])).exitCode).toBe(0);
    expect((await runFlink(['savepoints', '--latest', '--dir', r.root, ...offline])).stdout.trim()).toBe(newer.chk);
    const victim = r.shared[1];
    unlinkSync(victim);
    const inspect = await runFlink(['savepoints', 'inspect', newer.chk, '--verify']);
    expect(inspect.exitCode).toBe(1);
    expect(inspect.stderr).toContain(`${victim} (missing)`);
    // Both reference it: neither is restorable now.
    const latest = await runFlink(['savepoints', '--latest', '--dir', r.root, ...offline]);
    expect(latest.exitCode).toBe(5);
    expect(latest.stderr).toContain(`skipping ${newer.chk}: referenced file ${victim}: missing`);
    expect(latest.stderr).toContain(`skipping ${r.chk}: referenced file ${victim}: missing`);
    const listed = JSON.parse((await runFlink(['savepoints', '--all', '--json', '--dir', r.root, ...offline])).stdout);
    expect(listed.snapshots.find((s: { path: string }) => s.path === newer.chk)).toMatchObject({
      state: 'corrupt',
      verified: 'full',
      problem: `referenced file ${victim}: missing`,
    });
  });

  it('--latest falls back to the older checkpoint when only the newest lost a file', async () => {
    const r = await relocate(version);
    const newer = newerCheckpoint(r);
    unlinkSync(newer.onlyNew);
    const latest = await runFlink(['savepoints', '--latest', '--dir', r.root, ...offline]);
    expect(latest.exitCode).toBe(0);
    expect(latest.stdout.trim()).toBe(r.chk);
    expect(latest.stderr).toContain(`skipping ${newer.chk}: referenced file ${newer.onlyNew}: missing`);
  });

  it('dispose of the older checkpoint: plans and deletes exactly the shared files only it references; the newer one still verifies', async () => {
    const r = await relocate(version);
    const newer = newerCheckpoint(r);
    const plan = await runFlink(['dispose', '--dry-run', '--json', r.chk, ...offline, '--offline']);
    expect(plan.exitCode).toBe(0);
    const step = JSON.parse(plan.stdout).plan[0];
    expect(step.directory).toBe(r.chk);
    const deleted = step.sharedFiles.filter((f: { action: string }) => f.action === 'delete');
    expect(deleted).toEqual([
      { path: newer.onlyOld, bytes: expect.any(Number), action: 'delete', reason: `shared: referenced only by ${path.basename(r.chk)}` },
    ]);
    const kept = step.sharedFiles.filter((f: { action: string }) => f.action === 'keep');
    expect(kept.length).toBe(r.shared.length - 1);
    for (const f of kept) expect(f.reason).toBe(`shared: also referenced by ${path.basename(newer.chk)}`);
    const text = await runFlink(['dispose', '--dry-run', r.chk, ...offline, '--offline']);
    expect(text.stdout).toContain(`and 1 of its ${r.shared.length} shared file(s)`);
    expect(text.stdout).toContain(`  delete ${newer.onlyOld} (`);
    expect(existsSync(newer.onlyOld)).toBe(true); // a dry run deletes nothing

    const done = await runFlink(['dispose', r.chk, ...offline, '--offline']);
    expect(done.exitCode).toBe(0);
    expect(existsSync(r.chk)).toBe(false);
    expect(existsSync(newer.onlyOld)).toBe(false);
    for (const f of r.shared.slice(1)) expect(existsSync(f)).toBe(true);
    expect(existsSync(newer.onlyNew)).toBe(true);
    expect((await runFlink(['savepoints', 'inspect', newer.chk, '--verify'])).exitCode).toBe(0);
    expect((await runFlink(['savepoints', '--latest', '--dir', r.root, ...offline])).stdout.trim()).toBe(newer.chk);

    // The last retained checkpoint goes with every shared file it references.
    expect((await runFlink(['dispose', newer.chk, ...offline, '--offline'])).exitCode).toBe(0);
    expect(readdirSync(path.join(r.jobDir, 'shared'))).toEqual([]);
  });

  it('gc reclaims planted orphans in shared/ and taskowned/ older than --min-age, nothing referenced, nothing young', async () => {
    const r = await relocate(version);
    const old = ago(3 * 3_600_000);
    for (const f of r.shared) utimesSync(f, old, old);
    const orphan = path.join(r.jobDir, 'shared', 'orphan-of-a-failed-checkpoint');
    const owned = path.join(r.jobDir, 'taskowned', 'orphan-owned');
    const young = path.join(r.jobDir, 'shared', 'being-written');
    mkdirSync(path.dirname(owned), { recursive: true });
    for (const [f, size] of [
      [orphan, 100],
      [owned, 30],
      [young, 5],
    ] as const)
      writeFileSync(f, Buffer.alloc(size));
    utimesSync(orphan, old, old);
    utimesSync(owned, old, old);
    const jobId = path.basename(r.jobDir);

    const dry = await runFlink(['savepoints', 'gc', '--job', jobId, '--dir', r.root, '--dry-run', '--json', ...offline]);
    expect(dry.exitCode).toBe(0);
    const doc = JSON.parse(dry.stdout);
    expect(Object.keys(doc)).toEqual(['version', 'files', 'bytes']);
    expect(doc.files.map((f: { path: string }) => f.path).sort()).toEqual([orphan, owned].sort());
    expect(doc.files[0]).toEqual({ path: expect.any(String), bytes: expect.any(Number), reason: 'referenced by none of the 1 retained checkpoint(s)' });
    expect(doc.bytes).toBe(130);
    expect(existsSync(orphan)).toBe(true);

    const audit = path.join(emptyDir('audit-'), 'audit.log');
    const done = await runFlink(['savepoints', 'gc', '--job', jobId, '--dir', r.root, '-D', `audit.log=${audit}`, ...offline]);
    expect(done.exitCode).toBe(0);
    const record = JSON.parse(readFileSync(audit, 'utf8').trim());
    expect(record).toMatchObject({ command: 'savepoints', job: jobId, result: 'ok' });
    expect(record.paths.sort()).toEqual([orphan, owned].sort());
    expect(done.stdout).toContain(`Reclaimed ${orphan} (`);
    expect(done.stderr).toContain('Reclaimed 2 file(s)');
    expect(done.stderr).toContain('1 unreferenced file(s) newer than');
    expect([existsSync(orphan), existsSync(owned), existsSync(young)]).toEqual([false, false, true]);
    for (const f of r.shared) expect(existsSync(f)).toBe(true);
    expect((await runFlink(['savepoints', 'inspect', r.chk, '--verify'])).exitCode).toBe(0);
    // --min-age 0 still spares what is newer than the newest checkpoint.
    const zero = await runFlink(['savepoints', 'gc', '--job', jobId, '--dir', path.join(r.root, jobId), '--min-age', '0', '--json', ...offline]);
    expect(JSON.parse(zero.stdout).files).toEqual([]);
  });

  it("gc refuses, deleting nothing, while a retained checkpoint's _metadata cannot be read", async () => {
    const r = await relocate(version);
    const orphan = path.join(r.jobDir, 'shared', 'orphan');
    writeFileSync(orphan, 'x');
    utimesSync(orphan, ago(7_200_000), ago(7_200_000));
    const broken = path.join(r.jobDir, 'chk-99');
    mkdirSync(broken);
    writeFileSync(path.join(broken, '_metadata'), readFileSync(path.join(r.chk, '_metadata')).subarray(0, 100));
    const res = await runFlink(['savepoints', 'gc', '--job', path.basename(r.jobDir), '--dir', r.root, ...offline]);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(
      /\nError: Refusing to collect garbage in .*: the _metadata of chk-99 cannot be read \(.*_metadata: (truncated|corrupt): .*\), so what it references is unknown\. Nothing was deleted\.\n/,
    );
    expect(existsSync(orphan)).toBe(true);
  });
});

describe('a shared/ that is a symbolic link', () => {
  it('is never deleted through: dispose plans no shared file, gc reclaims nothing', async () => {
    const r = await relocate('2.3.0');
    const elsewhere = emptyDir('elsewhere-');
    const shared = path.join(r.jobDir, 'shared');
    for (const f of r.shared) renameSync(f, path.join(elsewhere, path.basename(f)));
    rmdirSync(shared);
    symlinkSync(elsewhere, shared);
    const old = ago(3 * 3_600_000);
    for (const f of readdirSync(elsewhere)) utimesSync(path.join(elsewhere, f), old, old);
    const victim = path.join(elsewhere, 'unrelated');
    writeFileSync(victim, 'x');
    utimesSync(victim, old, old);
    const gc = await runFlink(['savepoints', 'gc', '--job', path.basename(r.jobDir), '--dir', r.root, '--json', ...offline]);
    expect(JSON.parse(gc.stdout).files).toEqual([]);
    const plan = JSON.parse((await runFlink(['dispose', '--dry-run', '--json', r.chk, ...offline, '--offline'])).stdout);
    expect(plan.plan[0].sharedFiles).toEqual([]);
    expect((await runFlink(['dispose', r.chk, ...offline, '--offline'])).exitCode).toBe(0);
    expect(readdirSync(elsewhere).length).toBe(r.shared.length + 1);
  });
});

describe('savepoints gc: bad input', () => {
  it('a missing --job, a bad --min-age (exit 2), no such job directory (exit 5)', async () => {
    expect((await runFlink(['savepoints', 'gc'])).exitCode).toBe(2);
    const bad = await runFlink(['savepoints', 'gc', '--job', 'fd72014d4c864993a2e5a9287b4a9c5d', '--dir', tmpdir(), '--min-age', 'soon']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("Invalid --min-age 'soon'");
    const none = await runFlink(['savepoints', 'gc', '--job', 'fd72014d4c864993a2e5a9287b4a9c5d', '--dir', emptyDir(), ...offline]);
    expect(none.exitCode).toBe(5);
    expect(none.stderr).toContain('No checkpoint directory of job fd72014d4c864993a2e5a9287b4a9c5d');
  });
});
