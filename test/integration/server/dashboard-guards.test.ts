// Who may use the dashboard: its page and assets are served to anyone who reaches the server (nothing secret in
// them, gzip-compressed); its API and Flink's REST API need the token when the coordinator has one; without a
// token only loopback host names are answered (DNS rebinding); a change needs a same-origin JSON request (CSRF).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dashboardCommands } from '../../../src/cli/dashboard-commands.js';
import { startLocalCluster, type LocalCluster } from '../../support/local-cluster.js';

const TOKEN = 'a-token-for-the-dashboard-test';
const home = mkdtempSync(path.join(tmpdir(), 'flink-dashboard-home-'));
let open: LocalCluster;
let guarded: LocalCluster;

function commandsFor(cluster: () => LocalCluster, token?: string) {
  return dashboardCommands({
    env: { HOME: home, PATH: process.env.PATH },
    cwd: home,
    globals: () => ['-m', new URL(cluster().url).host, ...(token ? ['-D', `coordinator.rest.token=${token}`] : [])],
  });
}

/** A raw request: node:http lets the test set the Host header as a rebinding attacker's page would send it. */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

beforeAll(async () => {
  const assetsDir = path.resolve('dist/dashboard');
  open = await startLocalCluster({ dashboard: { assetsDir, commands: commandsFor(() => open) } });
  guarded = await startLocalCluster({ token: TOKEN, dashboard: { assetsDir, commands: commandsFor(() => guarded, TOKEN) } });
}, 60_000);
afterAll(async () => {
  await open?.close();
  await guarded?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('a coordinator with a token', () => {
  it('serves the page and its assets without it, gzip-compressed, with a content security policy', async () => {
    const page = await raw(`${guarded.url}/`);
    expect([page.status, page.headers['content-type']]).toEqual([200, 'text/html; charset=UTF-8']);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const script = await raw(`${guarded.url}/dashboard/app.js`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect([script.status, script.headers['content-encoding']]).toEqual([200, 'gzip']);
    expect((await raw(`${guarded.url}/dashboard/..%2Fcoordinator.log`)).status).toBe(404);
  });

  it("answers the dashboard's API and Flink's REST API only with the token", async () => {
    expect((await raw(`${guarded.url}/dashboard/api/info`)).status).toBe(401);
    expect((await raw(`${guarded.url}/v1/jobs`)).status).toBe(401);
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const info = await raw(`${guarded.url}/dashboard/api/info`, { headers: auth });
    expect(JSON.parse(info.body)).toMatchObject({ mode: 'coordinator', target: guarded.url });
    // The CLI's command behind the catalog reaches this coordinator with the same token.
    const catalog = JSON.parse((await raw(`${guarded.url}/dashboard/api/catalog`, { headers: auth })).body);
    expect(catalog).toMatchObject({ exitCode: 0, error: null, document: { coordinator: 'local', snapshots: [] } });
  });
});

describe('a coordinator without a token', () => {
  it('answers its API for loopback host names only', async () => {
    const { port } = new URL(open.url);
    expect((await raw(`${open.url}/dashboard/api/info`, { headers: { Host: `localhost:${port}` } })).status).toBe(200);
    const rebound = await raw(`${open.url}/dashboard/api/info`, { headers: { Host: `attacker.example:${port}` } });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).errors[0]).toBe(`The dashboard answers requests to a loopback address only, not to 'attacker.example:${port}'.`);
  });

  it('refuses a change from another origin or without a JSON body, before any command runs', async () => {
    const job = 'f'.repeat(32);
    const json = { 'Content-Type': 'application/json' };
    const crossSite = await raw(`${open.url}/dashboard/api/jobs/${job}/savepoint`, {
      method: 'POST',
      headers: { ...json, Origin: 'http://attacker.example' },
      body: '{}',
    });
    expect([crossSite.status, JSON.parse(crossSite.body).errors[0]]).toEqual([403, 'Cross-origin requests to the dashboard are refused.']);
    const form = await raw(`${open.url}/dashboard/api/jobs/${job}/savepoint`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    expect(form.status).toBe(400);
    // A same-origin JSON request runs the CLI's command, which answers as the CLI does.
    const sameOrigin = await raw(`${open.url}/dashboard/api/jobs/${job}/savepoint`, { method: 'POST', headers: { ...json, Origin: open.url }, body: '{}' });
    expect(JSON.parse(sameOrigin.body)).toMatchObject({ exitCode: 5, error: { kind: 'not-found', message: `Job ${job} not found at ${open.url}.` } });
  });
});
