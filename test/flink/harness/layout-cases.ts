// The scenarios themselves (see layout-scenarios.ts for the pieces): files one job's checkpoints share with
// another's (CLAIM, LEGACY, file merging), the changelog state backend's change logs (dstl), and ForSt's live
// database under the checkpoint root. Each one does what an operator would, then restores from what is left.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  cancel,
  checkpointsOf,
  inspect,
  latestRestorable,
  lines,
  ours,
  plain,
  restoreRuns,
  retainedCheckpoints,
  samePath,
  startJob,
  waitForCheckpoints,
  type LayoutEnv,
  type Outcome,
  type Run,
} from './layout-scenarios.js';

/** RocksDB with incremental checkpoints and state wider than the inline threshold. */
export const ROCKSDB = [
  'state.backend.type=rocksdb',
  'execution.checkpointing.incremental=true',
  'state.backend.incremental=true',
  'layout.ballast-kb=64',
  // RocksDB's own write buffer instead of managed memory's small one: the ballast is flushed as one file, not as
  // dozens of small ones that Flink would inline into _metadata (which would make the golden files large).
  'state.backend.rocksdb.memory.managed=false',
];

export interface CrossJobCase {
  label: string;
  /** The fixture kind it records (fixtures/flink-metadata/<version>/<kind>/). */
  kind: string;
  /** How job B restores from job A's newest checkpoint: ['-claimMode', 'claim'], ['-restoreMode', 'legacy'], ... */
  mode: string[];
  settings: string[];
  /** B's checkpoint must reference files in A's folder (false: whatever Flink does is checked, nothing required). */
  shares: boolean;
}

interface PlanEntry {
  path: string;
  action: string;
  [key: string]: unknown;
}

function json<T>(run: Run): T | undefined {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    return undefined;
  }
}

const firstLine = (run: Run) => (run.stderr.trim() || run.stdout.trim()).split('\n')[0];

/**
 * Job A runs and is cancelled (retained checkpoints); job B starts from A's newest checkpoint in the case's mode
 * and is cancelled; B's newest checkpoint references files in A's folder. The operator cleans A up: gc of A,
 * dispose of each checkpoint A has left (a dry run first), gc of A again (cron). Then B's checkpoint restores.
 */
export async function crossJob(env: LayoutEnv, c: CrossJobCase): Promise<Outcome> {
  const problems: string[] = [];
  const countsFile = path.join(env.work, `${c.label}.txt`);
  const settings = [...ROCKSDB, ...c.settings];
  const a = await startJob(env, { name: `${c.label}-a`, countsFile, settings });
  if (!a.jobId) throw new Error(`job A did not start: ${firstLine(a.run)}`);
  await waitForCheckpoints(env, a.jobId, 3);
  await cancel(env, a.jobId);
  // Restores start from what `savepoints --latest` picks. With file merging on S3, Flink 2.3 may complete a
  // checkpoint while the job is being cancelled; its TaskManager, which uploads a merged file only once it hears
  // the checkpoint completed, never does, and that checkpoint names files never written: --latest skips it.
  const pickedOfA = await latestRestorable(env, a.jobId);
  const claimed = pickedOfA.latest;
  const b = await startJob(env, { name: `${c.label}-b`, countsFile, settings, from: claimed, mode: c.mode });
  if (!b.jobId) throw new Error(`job B did not start from ${claimed}: ${firstLine(b.run)}`);
  await waitForCheckpoints(env, b.jobId, 3);
  await cancel(env, b.jobId);
  const pickedOfB = await latestRestorable(env, b.jobId);
  const { latest: needing, retained: retainedB } = pickedOfB;
  const report = (await inspect(env, needing)).report;
  const aFolder = plain(`${env.storage.root}/${a.jobId}/`);
  const needed = (report?.files ?? []).filter((f) => plain(f.path).startsWith(aFolder));
  if (needed.length === 0 && c.shares)
    throw new Error(`${needing} references no file of job A: the scenario tests nothing (files: ${JSON.stringify(report?.files)})`);
  const facts: Record<string, unknown> = {
    jobA: a.jobId,
    jobB: b.jobId,
    claimed,
    needing,
    needed,
    filesOfB: report?.files,
    // Newer retained checkpoints that do not verify (Flink's, before any cleanup), skipped by --latest.
    skippedAsBroken: [...pickedOfA.skipped, ...pickedOfB.skipped],
  };
  env.record?.(c.kind, needing, [
    `${env.storage.root}/${b.jobId}/shared`,
    `${env.storage.root}/${b.jobId}/taskowned`,
    `${env.storage.root}/${a.jobId}/shared`,
    `${env.storage.root}/${a.jobId}/taskowned`,
  ]);

  // B's own retained checkpoints share files too (per physical file with file merging): disposing another one
  // leaves the one B restores from whole.
  const sibling = retainedB.find((c) => c !== needing);
  if (sibling) {
    const disposed = await ours(env, ['dispose', '--json', '-m', env.cluster.address, sibling]);
    if (disposed.exitCode !== 0) problems.push(`dispose of B's other checkpoint ${sibling} exited ${disposed.exitCode}: ${firstLine(disposed)}`);
    const whole = await inspect(env, needing, true);
    if (whole.run.exitCode !== 0) problems.push(`after disposing ${sibling}, ${needing} no longer verifies: ${firstLine(whole.run)}`);
  }

  const gc = async (when: string) => {
    const run = await ours(env, ['savepoints', 'gc', '--job', a.jobId!, '--dir', env.storage.root, '--min-age', '0s', '--json', '-m', env.cluster.address]);
    // On an object store a folder is its objects: once A's are all gone, there is no job folder to collect in.
    const gone = run.exitCode === 5 && /No checkpoint directory of job/.test(run.stderr) && (await env.storage.list(aFolder)).length === 0;
    if (run.exitCode !== 0 && !gone) problems.push(`gc --job A (${when}) exited ${run.exitCode}: ${firstLine(run)}`);
    const deleted = json<{ files: Array<{ path: string }> }>(run)?.files ?? [];
    for (const f of needed) if (deleted.some((d) => samePath(d.path, f.path))) problems.push(`gc --job A (${when}) deleted ${f.path}, which ${needing} needs`);
    return deleted.map((d) => d.path);
  };
  facts.gcBefore = await gc('before the disposals');
  // The checkpoint B claimed goes last: its plan must keep (and name who needs) what B's checkpoint references.
  const left = (await retainedCheckpoints(env, a.jobId)).sort((x, y) => Number(samePath(x, claimed)) - Number(samePath(y, claimed)));
  facts.leftOfA = left;
  for (const [i, target] of left.entries()) {
    const last = i === left.length - 1;
    const dry = await ours(env, ['dispose', '--dry-run', '--json', '--offline', '-m', env.cluster.address, target]);
    const plan = json<{ plan: Array<{ sharedFiles?: PlanEntry[] }> }>(dry)?.plan ?? [];
    const entries = plan.flatMap((s) => s.sharedFiles ?? []);
    if (last) facts.lastPlan = plan;
    if (dry.exitCode !== 0) problems.push(`dispose --dry-run of ${target} exited ${dry.exitCode}: ${firstLine(dry)}`);
    for (const f of needed) {
      const entry = entries.find((e) => samePath(e.path, f.path));
      if (!entry) {
        // The last of A's checkpoints references it too: its plan must list it (as kept, naming who needs it).
        if (last) problems.push(`the plan to dispose ${target} does not list ${f.path}, which it references and ${needing} needs`);
        continue;
      }
      if (entry.action !== 'keep') problems.push(`the plan to dispose ${target} would ${entry.action} ${f.path}, which ${needing} needs`);
      // With A's other checkpoints gone, the snapshot that still needs the file is B's: the plan must say so.
      else if (last && !JSON.stringify(entry).includes(plain(needing)))
        problems.push(`the plan to dispose ${target} keeps ${f.path} without naming ${needing}, which needs it: ${JSON.stringify(entry)}`);
    }
    const disposed = await ours(env, ['dispose', '--json', '--offline', '-m', env.cluster.address, target]);
    if (disposed.exitCode !== 0) problems.push(`dispose of ${target} exited ${disposed.exitCode}: ${firstLine(disposed)}`);
  }
  facts.gcAfter = await gc('after the disposals');
  const missing: string[] = [];
  for (const f of needed) if (!(await env.storage.exists(f.path))) missing.push(f.path);
  if (missing.length > 0) problems.push(`${missing.length} of the ${needed.length} file(s) of job A that ${needing} needs were deleted: ${missing.join(', ')}`);
  const restore = await restoreRuns(env, needing, { name: `${c.label}-c`, countsFile, settings });
  if (restore) problems.push(restore);
  return { problems, facts };
}

/**
 * The changelog state backend (per job: state.changelog.enabled; the cluster holds dstl.dfs.base-path, which
 * the TaskManager reads): its retained checkpoint lists and verifies the change-log files, is the job's latest
 * restorable snapshot, a NO_CLAIM restore is refused before anything is submitted (Flink fails such a job at
 * its first checkpoint), gc and dispose delete nothing it references, and a CLAIM restore runs.
 */
export async function changelog(env: LayoutEnv, dstlRoot: string): Promise<Outcome> {
  const problems: string[] = [];
  const countsFile = path.join(env.work, 'changelog.txt');
  const settings = [...ROCKSDB, 'state.changelog.enabled=true'];
  const a = await startJob(env, { name: 'changelog', countsFile, settings });
  if (!a.jobId) throw new Error(`the changelog job did not start: ${firstLine(a.run)}`);
  await waitForCheckpoints(env, a.jobId, 3);
  await cancel(env, a.jobId);
  const retained = await retainedCheckpoints(env, a.jobId);
  const newest = retained.at(-1)!;
  const facts: Record<string, unknown> = { job: a.jobId, retained };
  const verified = await inspect(env, newest, true);
  const dstl = (verified.report?.files ?? []).filter((f) => plain(f.path).startsWith(plain(`${dstlRoot}/${a.jobId}/dstl/`)));
  facts.dstl = dstl;
  env.record?.('checkpoint-changelog', newest, [`${env.storage.root}/${a.jobId}/shared`, `${dstlRoot}/${a.jobId}/dstl`]);
  if (dstl.length === 0) problems.push(`inspect lists no change-log file of ${newest} under ${dstlRoot}/${a.jobId}/dstl/`);
  if (verified.run.exitCode !== 0 || verified.report?.verified !== true)
    problems.push(`inspect --verify of ${newest} (a good checkpoint) exited ${verified.run.exitCode}: ${firstLine(verified.run)}`);
  const latest = await ours(env, ['savepoints', '--latest', a.jobId, '--dir', env.storage.root, '-m', env.cluster.address]);
  if (latest.exitCode !== 0 || !samePath(latest.stdout.trim(), newest))
    problems.push(
      `savepoints --latest found ${latest.stdout.trim() || 'nothing'} (exit ${latest.exitCode}), not ${newest}: ${latest.stderr.trim().split('\n')[0] ?? ''}`,
    );

  const noClaim = await startJob(env, { name: 'changelog-no-claim', countsFile, settings, from: newest });
  facts.noClaim = { exitCode: noClaim.run.exitCode, stderr: noClaim.run.stderr.trim() };
  if (noClaim.jobId) {
    problems.push(`a NO_CLAIM restore of ${newest} was submitted (job ${noClaim.jobId}); Flink fails it: the changelog backend cannot take a full snapshot`);
    await cancel(env, noClaim.jobId);
  } else if (noClaim.run.exitCode !== 1 || !/NO_CLAIM/.test(noClaim.run.stderr) || !/claim/i.test(noClaim.run.stderr)) {
    problems.push(`the NO_CLAIM restore of ${newest} was refused with exit ${noClaim.run.exitCode} and: ${noClaim.run.stderr.trim()}`);
  }
  const started = (await env.cluster.rest<{ jobs: Array<{ name: string }> }>('/jobs/overview')).jobs.filter((j) => j.name === 'changelog-no-claim');
  if (started.length > 0 && !noClaim.jobId) problems.push('the refused NO_CLAIM restore still started a job');

  const referenced = (await inspect(env, newest)).report?.files ?? [];
  const gc = await ours(env, ['savepoints', 'gc', '--job', a.jobId, '--dir', env.storage.root, '--min-age', '0s', '--json', '-m', env.cluster.address]);
  if (gc.exitCode !== 0) problems.push(`gc --job of the changelog job exited ${gc.exitCode}: ${firstLine(gc)}`);
  facts.gc = json<{ files: unknown[] }>(gc)?.files;
  if (retained.length > 1) {
    const disposed = await ours(env, ['dispose', '--json', '-m', env.cluster.address, retained[0]]);
    if (disposed.exitCode !== 0) problems.push(`dispose of ${retained[0]} exited ${disposed.exitCode}: ${firstLine(disposed)}`);
  }
  for (const f of referenced) if (!(await env.storage.exists(f.path))) problems.push(`${f.path}, referenced by ${newest}, was deleted`);
  const restore = await restoreRuns(env, newest, { name: 'changelog-claim', countsFile, settings, mode: ['-claimMode', 'claim'] });
  if (restore) problems.push(restore);
  return { problems, facts };
}

/**
 * ForSt with its live database on the primary directory under the checkpoint root (what `primary-dir:
 * checkpoint-dir` does with the asynchronous state API on 2.x): files there that no checkpoint references yet
 * belong to the running database. One such file (as a long checkpoint interval leaves them: older than the newest
 * checkpoint) is put there; gc, even --force while the job runs, and again after it ended, deletes nothing in the
 * database's folder; the retained checkpoint verifies and restores.
 */
export async function forst(env: LayoutEnv): Promise<Outcome> {
  const problems: string[] = [];
  const countsFile = path.join(env.work, 'forst.txt');
  const settings = ['state.backend.type=forst', 'state.backend.forst.primary-dir=checkpoint-dir', 'layout.ballast-kb=64'];
  const entryClass = 'harness.AsyncLayoutJob';
  const f = await startJob(env, { name: 'forst', countsFile, settings, entryClass });
  if (!f.jobId) throw new Error(`the ForSt job did not start: ${firstLine(f.run)}`);
  const jobId = f.jobId;
  await waitForCheckpoints(env, jobId, 2);
  const live = (await env.storage.list(`${env.storage.root}/${jobId}/shared/`)).find((p) => /\/shared\/op_[^/]+\/db\//.test(p));
  if (!live) throw new Error(`no live ForSt database under ${env.storage.root}/${jobId}/shared/ (${env.version} keeps it elsewhere)`);
  const database = live.slice(0, live.indexOf('/db/') + 4);
  const planted = `${database}${randomUUID()}`;
  await env.storage.write(planted, Buffer.alloc(4096, 7));
  await new Promise((resolve) => setTimeout(resolve, 1100)); // S3's modification times have second precision
  const done = (await checkpointsOf(env, jobId)).counts.completed;
  await waitForCheckpoints(env, jobId, done + 1);
  const facts: Record<string, unknown> = { job: jobId, database, planted };

  const gc = async (when: string, extra: string[]) => {
    const args = ['savepoints', 'gc', '--job', jobId, '--dir', env.storage.root, '--min-age', '0s', '--json', ...extra, '-m', env.cluster.address];
    let run = await ours(env, args);
    // While the job runs, Flink may discard a subsumed checkpoint between gc's listing and its read of that
    // checkpoint's _metadata; gc then refuses (references unknown), and an operator runs it again.
    for (let i = 0; i < 3 && run.exitCode === 1 && /cannot be read \(Cannot find meta data file/.test(run.stderr); i++) run = await ours(env, args);
    if (run.exitCode !== 0) problems.push(`gc ${when} exited ${run.exitCode}: ${firstLine(run)}`);
    const inDatabase = (json<{ files: Array<{ path: string }> }>(run)?.files ?? []).filter((d) => plain(d.path).startsWith(plain(database)));
    for (const d of inDatabase) problems.push(`gc ${when} deleted ${d.path} from the live ForSt database`);
  };
  await gc('--force while the job runs', ['--force']);
  const state = (await env.cluster.rest<{ state: string }>(`/jobs/${jobId}`)).state;
  if (state !== 'RUNNING') problems.push(`the ForSt job is ${state} after gc`);
  else
    await waitForCheckpoints(env, jobId, (await checkpointsOf(env, jobId)).counts.completed + 1).catch(() =>
      problems.push('the ForSt job checkpoints no more after gc'),
    );
  await cancel(env, jobId);
  const newest = (await retainedCheckpoints(env, jobId)).at(-1)!;
  const verified = await inspect(env, newest, true);
  facts.files = verified.report?.files;
  env.record?.('checkpoint-forst', newest, [`${env.storage.root}/${jobId}/shared`]);
  if (verified.run.exitCode !== 0) problems.push(`inspect --verify of ${newest} exited ${verified.run.exitCode}: ${firstLine(verified.run)}`);
  if (!(verified.report?.files ?? []).some((x) => plain(x.path).startsWith(plain(database))))
    problems.push(`${newest} references no file of the database folder ${database}`);
  await gc('after the job ended', []);
  if (!(await env.storage.exists(planted))) problems.push(`${planted} (not yet checkpointed) was deleted from the live ForSt database`);
  facts.linesBeforeRestore = lines(countsFile).length;
  const restore = await restoreRuns(env, newest, { name: 'forst-restored', countsFile, settings, entryClass, mode: ['-claimMode', 'claim'] });
  if (restore) problems.push(restore);
  return { problems, facts };
}
