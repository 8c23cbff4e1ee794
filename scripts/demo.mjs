// `npm run demo`: FLIP-10's story, told with this binary against the local coordinator. Every step prints
// the command it runs. Everything lives in a temporary directory that is removed at the end.
//
//  1. start the local coordinator          6. the persistent checkpoint is still listed
//  2. run a stateful job with persistent    7. restore the FIXED job from the latest snapshot
//     checkpoints and periodic savepoints   8. the counts continue exactly (checked, not assumed)
//  3. a manual savepoint to an ad-hoc path  9. dispose a savepoint
//  4. list the restorable snapshots        10. stop the coordinator
//  5. the job hits a bad record, exhausts its restarts and FAILS
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'flink');
const work = mkdtempSync(path.join(tmpdir(), 'flink-demo-'));
const colour = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (s) => (colour ? `\u001b[1m${s}\u001b[22m` : s);

async function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const conf = path.join(work, 'conf');
mkdirSync(conf);
writeFileSync(
  path.join(conf, 'config.yaml'),
  [
    `rest.port: ${port}`,
    `coordinator.dir: ${path.join(work, 'state')}`,
    `state.savepoints.dir: ${path.join(work, 'savepoints')}`,
    `execution.checkpointing.dir: ${path.join(work, 'checkpoints')}`,
    'execution.checkpointing.periodic-savepoints.interval: 2 s',
    'execution.checkpointing.periodic-savepoints.max-retained: 2',
    'restart-strategy.type: fixed-delay',
    'restart-strategy.fixed-delay.attempts: 2',
    'restart-strategy.fixed-delay.delay: 300 ms',
    '',
  ].join('\n'),
);

// 3,000 events of 7 users; event 2,400 is a bad record (no comma) the buggy job cannot parse.
const input = path.join(work, 'events.txt');
const lines = [];
for (let i = 0; i < 3000; i++) lines.push(i === 2400 ? 'garbage-without-a-type' : `user${i % 7},${['click', 'view', 'buy'][i % 3]}`);
writeFileSync(input, lines.join('\n') + '\n');
const out = path.join(work, 'out');

function flink(args, { quiet = false, allowFail = false } = {}) {
  const shown = args.map((a) => (a.startsWith(work) ? a.replace(work, '$DEMO') : a)).join(' ');
  if (!quiet) process.stdout.write(`\n${bold(`$ flink ${shown}`)}\n`);
  // --human: the demo is read by people, so its tables are aligned and show units although they are captured.
  const human = ['savepoints', 'checkpoints'].includes(args[0]) && !args.includes('--json') ? ['--human'] : [];
  const r = spawnSync(process.execPath, [bin, '--config-dir', conf, ...human, ...args], { cwd: root, encoding: 'utf8' });
  if (!quiet) {
    // Notes and warnings (stderr) first, then the data (stdout): the order a terminal mostly shows them in.
    process.stdout.write(r.stderr.replaceAll(work, '$DEMO'));
    process.stdout.write(r.stdout.replaceAll(work, '$DEMO'));
  }
  if (r.status !== 0 && !allowFail) throw new Error(`flink ${args.join(' ')} exited ${r.status}`);
  return r;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitForState(jobId, states, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const jobs = JSON.parse(flink(['list', '-a', '--json'], { quiet: true }).stdout).jobs;
    const job = jobs.find((j) => j.id === jobId);
    if (job && states.includes(job.state)) return job.state;
    await sleep(250);
  }
  throw new Error(`job ${jobId} did not reach ${states.join('/')}`);
}
const say = (text) => process.stdout.write(`\n${bold('# ' + text)}\n`);

let ok = false;
try {
  say('1. Start the local coordinator (the embedded default, bound to 127.0.0.1)');
  flink(['cluster', 'start']);

  say('2. Run a stateful job (keyed counter, exactly-once file sink) with persistent checkpoints and periodic savepoints');
  const submitted = flink([
    'run',
    '-d',
    'fixtures/jobs/counter-buggy.ts',
    '--input',
    input,
    '--out',
    out,
    '--rate',
    '300',
    '--checkpoint-interval',
    '500',
    '--persistent-checkpoints',
    path.join(work, 'persistent'),
  ]);
  const jobId = /JobID ([0-9a-f]{32})/.exec(submitted.stdout)[1];
  await sleep(2500);

  say('3. A manual savepoint to an ad-hoc path (the path given here wins over state.savepoints.dir)');
  const adhoc = flink(['savepoint', jobId, path.join(work, 'adhoc')]);
  const adhocPath = /Path: (\S+)/.exec(adhoc.stdout)[1];

  say("4. The restorable snapshots of the job (FLIP-10's list: savepoints and persistent checkpoints)");
  flink(['savepoints', jobId]);

  say('5. The job reaches the bad record, fails, restarts twice from its latest checkpoint, and FAILS');
  await waitForState(jobId, ['FAILED']);
  flink(['list', '-a']);

  say('6. The job is gone, its persistent checkpoint is not: still listed, restorable');
  flink(['savepoints', jobId]);

  say('7. Restore the FIXED job (same operator uids) from the latest snapshot of the failed job');
  const restored = flink(['restore', 'latest', '--from-job', jobId, '-d', 'fixtures/jobs/counter-fixed.ts', '--input', input, '--out', out, '--rate', '1000']);
  const newJob = /JobID ([0-9a-f]{32})/.exec(restored.stdout)[1];
  await waitForState(newJob, ['FINISHED']);

  say('8. The counts continue exactly: every user counted 1..n once, no record lost, none duplicated');
  const committed = readdirSync(out)
    .filter((f) => f.startsWith('part-'))
    .flatMap((f) => readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean));
  const expected = new Map();
  for (const line of lines) if (line.includes(',')) expected.set(line.split(',')[0], (expected.get(line.split(',')[0]) ?? 0) + 1);
  const seen = new Map();
  for (const line of committed) {
    const [user, count] = line.split(',');
    (seen.get(user) ?? seen.set(user, []).get(user)).push(Number(count));
  }
  let exact = committed.length === lines.length - 1;
  for (const [user, n] of expected) {
    const counts = (seen.get(user) ?? []).sort((a, b) => a - b);
    const good = counts.length === n && counts.every((c, i) => c === i + 1);
    exact &&= good;
    process.stdout.write(`  ${user}: ${counts.length} events, counts 1..${counts.at(-1) ?? 0} ${good ? 'exactly once' : 'WRONG'}\n`);
  }
  process.stdout.write(`  ${committed.length} committed records for ${lines.length - 1} valid events: ${exact ? 'exact' : 'MISMATCH'}\n`);
  if (!exact) throw new Error('the restored job did not continue exactly');

  say('9. Dispose the ad-hoc savepoint (planned first: what and how many bytes)');
  flink(['dispose', '--dry-run', adhocPath]);
  flink(['dispose', adhocPath]);

  say("The failed job's snapshot history (checkpoint or savepoint, kind, trigger, status, location)");
  flink(['checkpoints', jobId]);
  ok = true;
} finally {
  say('10. Stop the coordinator');
  flink(['cluster', 'stop'], { allowFail: true });
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(ok ? '\nDemo complete.\n' : '\nDemo FAILED.\n');
process.exitCode = ok ? 0 : 1;
