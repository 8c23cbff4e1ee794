// `node scripts/dashboard-screenshots.mjs`: regenerates the README's pictures of the dashboard (docs/images/).
// Starts a local coordinator in a temporary directory with the built CLI (npm run build first), runs the counter
// fixture, takes savepoints (one pinned), and photographs the main views with Debian's chromium in both themes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'docs', 'images');
const work = mkdtempSync(path.join(tmpdir(), 'flink-dashboard-shots-'));
const conf = path.join(work, 'conf');
mkdirSync(conf);
writeFileSync(
  path.join(conf, 'config.yaml'),
  [`coordinator.dir: ${work}/state`, `state.savepoints.dir: ${work}/savepoints`, `execution.checkpointing.dir: ${work}/checkpoints`, 'rest.port: 0', ''].join(
    '\n',
  ),
);
const env = { PATH: process.env.PATH, HOME: work, LANG: 'C.UTF-8' };
const address = [];
const flink = (...args) =>
  execFileSync(process.execPath, [path.join(root, 'bin', 'flink'), '--config-dir', conf, ...address, ...args], { cwd: work, env, encoding: 'utf8' });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const url = flink('cluster', 'start').trim();
address.push('-m', url.replace(/^http:\/\//, ''));
let context;
try {
  const counter = path.join(root, 'fixtures', 'jobs', 'counter.ts');
  const jobId = /JobID ([0-9a-f]{32})/.exec(
    flink('run', '-d', counter, '--out', `${work}/out`, '--sequence', '100000000', '--rate', '300', '--users', '6', '--checkpoint-interval', '2000'),
  )[1];
  await sleep(8000);
  const first = JSON.parse(flink('--json', 'savepoint', jobId)).location.replace(/^file:/, '');
  flink('savepoints', 'pin', first, '--reason', 'before the 2.0 upgrade');
  await sleep(5000);
  flink('savepoint', jobId);
  await sleep(4000);
  flink('savepoint', jobId);
  await sleep(6000);

  context = await chromium.launchPersistentContext(mkdtempSync(path.join(work, 'profile-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(out, { recursive: true });
  const shot = async (name, theme) => {
    await page.evaluate((t) => localStorage.setItem('flink-dashboard-theme', t), theme);
    await page.reload();
    await sleep(2500);
    await page.screenshot({ path: path.join(out, `dashboard-${name}.png`), fullPage: true });
    console.log(`docs/images/dashboard-${name}.png`);
  };
  await page.goto(`${url}/`);
  await shot('jobs', 'light');
  await page.goto(`${url}/#/jobs/${jobId}`);
  await sleep(9000); // a few refreshes: the charts collect the history while the page is open
  await shot('job', 'light');
  await shot('job-dark', 'dark');
  await page.goto(`${url}/#/snapshots`);
  await shot('snapshots', 'light');
  await page.locator('table.snapshots tbody tr').last().getByRole('button', { name: 'Dispose…' }).click();
  await sleep(2500);
  await page.screenshot({ path: path.join(out, 'dashboard-dispose.png') });
  console.log('docs/images/dashboard-dispose.png');
} finally {
  await context?.close();
  flink('cluster', 'stop');
  rmSync(work, { recursive: true, force: true });
}
