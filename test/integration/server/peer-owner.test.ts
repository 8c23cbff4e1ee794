// Who is at the other end of a loopback connection, from the kernel's socket table: real connections over
// IPv4, IPv6 and IPv4-mapped addresses against the real /proc/net (Linux), and the decisions of the owner
// guard against socket tables written here (another user, a peer not in the table, a table that is missing).
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ownerGuard, peerUid, socketTableAvailable } from '../../../src/server/peer-owner.js';

const linux = process.platform === 'linux';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A server on `host` and one accepted connection from a client connecting to `target`. */
async function connection(host: string, target: string): Promise<{ server: Server; client: Socket; accepted: Socket }> {
  let resolveAccepted: (s: Socket) => void = () => undefined;
  const acceptedP = new Promise<Socket>((resolve) => (resolveAccepted = resolve));
  const server = createServer(resolveAccepted);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const client = connect((server.address() as { port: number }).port, target);
  await new Promise((resolve) => client.once('connect', resolve));
  return { server, client, accepted: await acceptedP };
}

const ends = (s: Socket) =>
  [
    { address: s.remoteAddress!, port: s.remotePort! },
    { address: s.localAddress!, port: s.localPort! },
  ] as const;

async function ipv6Available(): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

(linux ? describe : describe.skip)('peerUid against the real kernel table', () => {
  it('IPv4 loopback: the peer of an accepted connection is this process’s user', async () => {
    const { server, client, accepted } = await connection('127.0.0.1', '127.0.0.1');
    try {
      expect(await peerUid(...ends(accepted))).toBe(process.getuid!());
      // The server's own end is not the peer: a lookup the wrong way round finds nothing.
      expect(await peerUid(ends(accepted)[1], { address: '127.0.0.1', port: 1 })).toBeUndefined();
    } finally {
      client.destroy();
      server.close();
    }
  });

  it('IPv6 loopback; an IPv4 client of a dual-stack server; a dual-stack client (as Java opens: Flink’s CLI) of an IPv4 server', async () => {
    if (!(await ipv6Available())) {
      console.warn('IPv6 loopback is not available here: the IPv6 cases of peerUid are not exercised');
      return;
    }
    const v6 = await connection('::1', '::1');
    const mapped = await connection('::', '127.0.0.1');
    // The client's socket is an IPv6 one (listed in tcp6 as ::ffff:127.0.0.1); the server sees 127.0.0.1.
    const dualStackClient = await connection('127.0.0.1', '::ffff:127.0.0.1');
    try {
      expect(await peerUid(...ends(v6.accepted))).toBe(process.getuid!());
      expect(mapped.accepted.remoteAddress).toBe('::ffff:127.0.0.1');
      expect(await peerUid(...ends(mapped.accepted))).toBe(process.getuid!());
      expect(dualStackClient.accepted.remoteAddress).toBe('127.0.0.1');
      expect(await peerUid(...ends(dualStackClient.accepted))).toBe(process.getuid!());
    } finally {
      for (const c of [v6, mapped, dualStackClient]) {
        c.client.destroy();
        c.server.close();
      }
    }
  });
});

/** A /proc/net with these rows in tcp (and tcp6 when given), after `padding` unrelated rows. */
function fakeProcNet(rows: string[], options: { padding?: number; tcp6?: string[] } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'proc-net-'));
  dirs.push(dir);
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  const filler = Array.from(
    { length: options.padding ?? 0 },
    (_, i) =>
      `${String(i).padStart(4)}: 0100007F:${(10000 + i).toString(16).toUpperCase()} 0100007F:0050 01 00000000:00000000 00:00000000 00000000  4242        0 1 1 0 20 4 30 10 -1`,
  );
  const body = [...filler, ...rows].map((r, i) => r.replace(/^\s*\d+:/, `${String(i).padStart(4)}:`));
  writeFileSync(path.join(dir, 'tcp'), [header, ...body, ''].join('\n'));
  if (options.tcp6) writeFileSync(path.join(dir, 'tcp6'), [header, ...options.tcp6, ''].join('\n'));
  return dir;
}

/** The row of a client socket 127.0.0.1:<port> connected to 127.0.0.1:8081, owned by `uid` (little-endian host). */
const row = (port: number, uid: number) =>
  `   0: 0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 0100007F:1F91 01 00000000:00000000 00:00000000 00000000  ${uid}        0 123 1 0 20 4 30 10 -1`;

const socketOf = (remoteAddress: string, remotePort: number, localAddress = '127.0.0.1', localPort = 8081) =>
  ({ remoteAddress, remotePort, localAddress, localPort }) as Socket;

describe('the owner guard (tables written here)', () => {
  it('finds the row anywhere in a large table, also across the reads it is read in', async () => {
    // ~150 bytes a row: 2,000 rows span several 64 KiB reads; the wanted one comes last.
    const procNet = fakeProcNet([row(50000, 1001)], { padding: 2000 });
    expect(await peerUid({ address: '127.0.0.1', port: 50000 }, { address: '127.0.0.1', port: 8081 }, procNet)).toBe(1001);
    expect(await peerUid({ address: '127.0.0.1', port: 50001 }, { address: '127.0.0.1', port: 8081 }, procNet)).toBeUndefined();
  });

  it('IPv6 rows: four 32-bit words in host order; an IPv4 peer with a dual-stack socket under its mapped address', async () => {
    const procNet = fakeProcNet([], {
      tcp6: [
        '   0: 00000000000000000000000001000000:C350 00000000000000000000000001000000:1F91 01 00000000:00000000 00:00000000 00000000  1002        0 9 1 0 20 4 30 10 -1',
        '   1: 0000000000000000FFFF00000100007F:C351 0000000000000000FFFF00000100007F:1F91 01 00000000:00000000 00:00000000 00000000  1003        0 9 1 0 20 4 30 10 -1',
      ],
    });
    expect(await peerUid({ address: '::1', port: 50000 }, { address: '::1', port: 8081 }, procNet)).toBe(1002);
    expect(await peerUid({ address: '127.0.0.1', port: 50001 }, { address: '127.0.0.1', port: 8081 }, procNet)).toBe(1003);
  });

  it("admits the owner; refuses another user in one line naming both; refuses a loopback peer it cannot find; admits another host's peer", async () => {
    const procNet = fakeProcNet([row(50000, 0), row(50002, 1001)]);
    const guard = await ownerGuard({ allowOtherUsers: false, ownerUid: 0, procNet });
    expect(await guard(socketOf('127.0.0.1', 50000))).toBeUndefined();
    const refusal = await guard(socketOf('127.0.0.1', 50002));
    expect(refusal).toMatch(
      /^The local coordinator answers its owner only: this connection comes from (user '[^']+' \()?uid 1001\)?, the coordinator runs as /,
    );
    expect(refusal).toContain('coordinator.rest.allow-other-users: true');
    expect(refusal).not.toContain('\n');
    expect(await guard(socketOf('127.0.0.1', 50009))).toContain('could not tell which user');
    expect(await guard(socketOf('::ffff:127.0.0.1', 50009, '::ffff:127.0.0.1'))).toContain('could not tell which user');
    expect(await guard(socketOf('192.0.2.7', 50009, '192.0.2.1'))).toBeUndefined(); // the token guards remote peers
  });

  it('allow-other-users admits everyone; where the table is missing the guard admits (the daemon requires a token instead)', async () => {
    const procNet = fakeProcNet([row(50002, 1001)]);
    expect(await (await ownerGuard({ allowOtherUsers: true, ownerUid: 0, procNet }))(socketOf('127.0.0.1', 50002))).toBeUndefined();
    const missing = path.join(procNet, 'no-such-dir');
    expect(await socketTableAvailable(missing)).toBe(false);
    expect(await (await ownerGuard({ allowOtherUsers: false, ownerUid: 0, procNet: missing }))(socketOf('127.0.0.1', 50002))).toBeUndefined();
  });
});
