// Where the kernel cannot say which user a connection comes from, the coordinator requires a token of its
// owner's (written once, owner-readable only), and the owner's `flink` sends it to that coordinator only.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ownerToken } from '../../../src/cli/endpoint.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { restToken } from '../../../src/daemon/owner-token.js';

const NO_TABLE = '/nonexistent/proc/net';
const fresh = () => mkdtempSync(path.join(tmpdir(), 'owner-token-'));

describe('restToken (the daemon)', () => {
  it('without a kernel socket table: writes a token readable by its owner only, keeps it across restarts, and says so', async () => {
    const stateDir = fresh();
    const lines: string[] = [];
    const token = await restToken({ stateDir, allowOtherUsers: false, procNet: NO_TABLE }, (l) => lines.push(l));
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const file = path.join(stateDir, 'rest.token');
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(lines.join('\n')).toContain(`requires the token in ${file}`);
    expect(lines.join('\n')).not.toContain(token!); // never logged
    expect(await restToken({ stateDir, allowOtherUsers: false, procNet: NO_TABLE }, () => undefined)).toBe(token);
  });

  it('a configured token, allow-other-users, or a kernel table that tells users apart: no token of its own', async () => {
    const stateDir = fresh();
    expect(await restToken({ stateDir, token: 'mine', allowOtherUsers: false, procNet: NO_TABLE }, () => undefined)).toBe('mine');
    expect(await restToken({ stateDir, allowOtherUsers: true, procNet: NO_TABLE }, () => undefined)).toBeUndefined();
    const table = fresh();
    writeFileSync(path.join(table, 'tcp'), '  sl  local_address\n');
    expect(await restToken({ stateDir, allowOtherUsers: false, procNet: table }, () => undefined)).toBeUndefined();
  });
});

describe('ownerToken (the CLI)', () => {
  it('is sent to the coordinator its pid file names, and to no other address', () => {
    const stateDir = fresh();
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, 'rest.token'), 'secret-token\n', { mode: 0o600 });
    writeFileSync(path.join(stateDir, 'coordinator.pid'), JSON.stringify({ pid: 1, host: '127.0.0.1', port: 8081, url: 'http://127.0.0.1:8081' }));
    const config = resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic: [`coordinator.dir=${stateDir}`] });
    expect(ownerToken(config, {}, 'http://127.0.0.1:8081')).toBe('secret-token');
    expect(ownerToken(config, {}, 'http://localhost:8081')).toBe('secret-token');
    expect(ownerToken(config, {}, 'http://127.0.0.1:9999')).toBeUndefined();
    expect(ownerToken(config, {}, 'http://flink.example.com:8081')).toBeUndefined();
  });
});
