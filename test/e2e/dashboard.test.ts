// The dashboard in a real browser (Debian's chromium through playwright-core) against a local coordinator started
// as a user starts it: the views render with a running job, a savepoint triggered from the page appears in the
// catalog, a dispose shows its dry-run plan first and a refusal worded as the CLI words it, pin/unpin, both
// themes, the keyboard, no console errors, and the whole page under 300 KB transferred.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CHROMIUM, launchBrowser, type Browser } from '../support/browser.js';
import { until } from '../support/until.js';
import { emptyDir, fixture, runFlink, startLocalCoordinator } from './helpers.js';

// A case waits up to 30 s for each step it watches in the browser (a CLI command run by the coordinator,
// then the catalog's refresh): the case itself may take longer than jest's default on a busy machine.
jest.setTimeout(120_000);

const work = emptyDir('dashboard-');
const conf = path.join(work, 'conf');
const state = path.join(work, 'state');
const savepoints = path.join(work, 'savepoints');
let address = '';
let jobId = '';
let browser: Browser;
const SECRET = 'never-shown-on-any-page-0123456789';

const flink = (args: string[]) => runFlink(['--config-dir', conf, '-m', address, ...args], { cwd: work });
const url = (route = '') => `http://${address}/${route}`;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does).`);
  address = await startLocalCoordinator(conf, work, [
    `coordinator.dir: ${state}`,
    `state.savepoints.dir: ${savepoints}`,
    `execution.checkpointing.dir: ${path.join(work, 'checkpoints')}`,
    `s3.secret-key: ${SECRET}`,
  ]);
  const run = await flink([
    'run',
    '-d',
    fixture('jobs', 'counter.ts'),
    '--out',
    path.join(work, 'out'),
    '--sequence',
    '100000000',
    '--rate',
    '200',
    '--users',
    '4',
  ]);
  jobId = /JobID ([0-9a-f]{32})/.exec(run.stdout)![1];
  await until('a completed checkpoint', async () => {
    const r = await fetch(`${url()}v1/jobs/${jobId}/checkpoints`);
    return ((await r.json()) as { counts: { completed: number } }).counts.completed > 0 ? true : undefined;
  });
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await flink(['cluster', 'stop']);
}, 60_000);

describe('the dashboard at the coordinator root URL', () => {
  it('lists the running job with its status; the page and its assets stay under 300 KB transferred', async () => {
    const { page } = browser;
    await page.goto(url());
    const row = page.locator('table.jobs tbody tr', { hasText: 'Event counter' });
    await row.waitFor();
    await expect(row.locator('.status').textContent()).resolves.toBe('RUNNING');
    await expect(page.locator('header .cluster').textContent()).resolves.toContain('local coordinator');
    // `flink ui` names this page for the local coordinator.
    const ui = await flink(['ui']);
    expect([ui.exitCode, ui.stdout]).toEqual([0, `${url()}\n`]);
    // Page code as a string: this file is compiled without the DOM's types.
    const transferred = (await page.evaluate(
      "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).reduce((n, e) => n + e.transferSize, 0)",
    )) as number;
    expect(transferred).toBeGreaterThan(0);
    expect(transferred).toBeLessThan(300 * 1024);
  });

  it('opens the job with the keyboard: status, charts of its checkpoints, exceptions, snapshots', async () => {
    const { page } = browser;
    await page.goto(url());
    const link = page.locator('table.jobs a', { hasText: 'Event counter' });
    await link.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/#/jobs/${jobId}`);
    await page.locator('h2 .status', { hasText: 'RUNNING' }).waitFor();
    await page.locator('figure.chart circle.point.checkpoint').first().waitFor();
    await expect(page.locator('figure.chart figcaption').allTextContents()).resolves.toEqual(['Duration', 'Size']);
    await expect(page.getByRole('heading', { name: 'Exceptions' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('heading', { name: 'Restorable snapshots' }).isVisible()).resolves.toBe(true);
  });

  it('triggers a savepoint (keyboard), shows where it went, and lists it in the catalog; the action is audited', async () => {
    const { page } = browser;
    await page.goto(url(`#/jobs/${jobId}`));
    const trigger = page.getByRole('button', { name: 'Trigger savepoint' });
    await until('the job running on the page', async () => ((await trigger.isEnabled()) ? true : undefined));
    await trigger.focus();
    await page.keyboard.press('Enter');
    const done = page.locator('.outcome .ok', { hasText: 'Savepoint completed:' });
    await done.waitFor({ timeout: 60_000 });
    const location = /completed: file:(\S+)$/.exec((await done.textContent())!)![1];
    expect(path.dirname(location)).toBe(savepoints);
    await page.locator('table.snapshots td.path', { hasText: location }).waitFor({ timeout: 30_000 });
    await page.locator('figure.chart path.point.savepoint').first().waitFor();
    const audit = readFileSync(path.join(state, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toContainEqual(expect.objectContaining({ command: 'savepoint', job: jobId, via: 'dashboard', result: 'ok', paths: [`file:${location}`] }));
  });

  it('pins a snapshot (a reason, the keyboard); dispose then shows the refusal as the CLI words it, and deletes nothing', async () => {
    const { page } = browser;
    await page.goto(url('#/snapshots'));
    const row = page.locator('table.snapshots tbody tr').first();
    const location = (await row.locator('td.path').textContent())!;
    await row.getByRole('button', { name: 'Pin…' }).click();
    const pin = page.getByRole('dialog', { name: 'Pin snapshot' });
    await pin.getByLabel('Reason (optional)').fill('before the upgrade');
    await page.keyboard.press('Enter');
    await row.getByRole('button', { name: 'Unpin' }).waitFor({ timeout: 30_000 });
    await expect(row.locator('td', { hasText: /^pinned$/ }).count()).resolves.toBe(1);

    // A newer checkpoint first: the newest restorable snapshot of a running job is refused for that reason first.
    expect((await flink(['checkpoint', jobId])).exitCode).toBe(0);
    await row.getByRole('button', { name: 'Dispose…' }).click();
    const dispose = page.getByRole('dialog', { name: 'Dispose snapshot' });
    await dispose.locator('[role=alert]', { hasText: `Refusing to dispose ${location}: it is pinned.` }).waitFor({ timeout: 30_000 });
    await expect(dispose.getByRole('button', { name: 'Dispose' }).isDisabled()).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await dispose.waitFor({ state: 'hidden' });
    expect(existsSync(path.join(location, '_metadata'))).toBe(true);
  });

  it('unpins it; dispose shows the dry-run plan first, then disposes it', async () => {
    const { page } = browser;
    await page.goto(url('#/snapshots'));
    const row = page.locator('table.snapshots tbody tr').first();
    const location = (await row.locator('td.path').textContent())!;
    await row.getByRole('button', { name: 'Unpin' }).click();
    await row.getByRole('button', { name: 'Pin…' }).waitFor({ timeout: 30_000 });
    await row.getByRole('button', { name: 'Dispose…' }).click();
    const dispose = page.getByRole('dialog', { name: 'Dispose snapshot' });
    await dispose.locator('.plan', { hasText: location }).waitFor({ timeout: 30_000 });
    expect(existsSync(location)).toBe(true); // planned, not yet done
    await dispose.getByRole('button', { name: 'Dispose' }).click();
    await page.locator('.outcome .ok', { hasText: `Disposed ${location}` }).waitFor({ timeout: 30_000 });
    expect(existsSync(location)).toBe(false);
    await page.locator('table.snapshots td.path', { hasText: location }).waitFor({ state: 'detached', timeout: 30_000 });
  });

  it("restores a snapshot into a new job (the job's module and arguments filled in), then stops that job with a savepoint", async () => {
    const { page } = browser;
    const taken = await flink(['savepoint', jobId, '--json']);
    const location = (JSON.parse(taken.stdout) as { location: string }).location.replace(/^file:/, '');
    await page.goto(url(`#/jobs/${jobId}`));
    await page.reload(); // a savepoint taken elsewhere: the page lists it on its next catalog refresh, or now
    const row = page.locator('table.snapshots tbody tr', { hasText: location });
    await row.getByRole('button', { name: 'Restore…' }).click({ timeout: 30_000 });
    const dialog = page.getByRole('dialog', { name: 'Restore into a new job' });
    const job = dialog.getByLabel("Job module or jar (a path on the server's machine)");
    await until('the job module filled in', async () => ((await job.inputValue()).endsWith('artifact.mjs') ? true : undefined));
    await expect(dialog.getByLabel('Arguments, one per line').inputValue()).resolves.toContain('--out');
    await dialog.getByRole('button', { name: 'Restore' }).click();
    const restored = page.locator('.outcome .ok', { hasText: 'Restored into a new job:' });
    await restored.waitFor({ timeout: 60_000 });
    const newJob = /new job: ([0-9a-f]{32})/.exec((await restored.textContent())!)![1];
    expect(newJob).not.toBe(jobId);

    await page.goto(url(`#/jobs/${newJob}`));
    const stop = page.getByRole('button', { name: 'Stop with savepoint' });
    await until('the restored job running', async () => ((await stop.isEnabled()) ? true : undefined), 60_000);
    await stop.click();
    await page.locator('.outcome .ok', { hasText: 'Stop with savepoint completed:' }).waitFor({ timeout: 60_000 });
    await page.locator('h2 .status', { hasText: 'FINISHED' }).waitFor({ timeout: 30_000 });
    const audit = readFileSync(path.join(state, 'audit.log'), 'utf8');
    expect(audit).toContain('"command":"restore"');
    expect(audit).toMatch(/"command":"stop".*"via":"dashboard"/);
  }, 120_000);

  it("the JobManager's configuration lists what the coordinator resolved, its secrets as ******", async () => {
    const text = await (await fetch(`${url()}v1/jobmanager/config`)).text();
    expect(text).not.toContain(SECRET);
    const entries = JSON.parse(text) as Array<{ key: string; value: string }>;
    expect(entries.find((e) => e.key === 's3.secret-key')).toEqual({ key: 's3.secret-key', value: '******' });
    expect(entries.find((e) => e.key === 'execution.checkpointing.savepoint-dir')).toEqual({ key: 'execution.checkpointing.savepoint-dir', value: savepoints });
  });

  it('switches between the light and the dark theme; no console errors on any view', async () => {
    const { page, errors } = browser;
    await page.goto(url());
    await page.locator('table.jobs').waitFor();
    const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
    await expect(page.evaluate('document.documentElement.dataset.theme')).resolves.toBe('light');
    const light = await background();
    await page.getByRole('button', { name: 'Switch to the dark theme' }).click();
    await page.waitForFunction("document.documentElement.dataset.theme === 'dark'", undefined, { timeout: 10_000 }); // set by an effect after the click
    expect(await background()).not.toBe(light);
    expect(errors).toEqual([]);
  });
});
