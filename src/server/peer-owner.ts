// Which local user is at the other end of a TCP connection, from the kernel's socket table (Linux:
// /proc/net/tcp and /proc/net/tcp6). The peer's own socket is listed with our remote address:port as its
// local address and our local address:port as its remote one, and the table names the uid that owns it. The
// local coordinator answers its owner only: anyone else on this host gets a 403 with Flink's error body. A
// peer on another host is not in the table; the token (required for any non-loopback bind) guards it.
import { open, readFile } from 'node:fs/promises';
import { endianness, userInfo } from 'node:os';
import { isIPv4, type Socket } from 'node:net';
import { isLoopback } from '../domain/net.js';

export const PROC_NET = '/proc/net';

export interface Address {
  address: string;
  port: number;
}

/** Whether this system has the kernel socket table (Linux with /proc). */
export async function socketTableAvailable(procNet = PROC_NET): Promise<boolean> {
  try {
    const handle = await open(`${procNet}/tcp`, 'r');
    await handle.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * The uid owning the socket whose local end is `peer` and whose remote end is `us`, or undefined when the table
 * has no such socket (a peer on another host, or one already gone). Reads the table a chunk at a time and stops
 * at the row, so a host with many sockets costs only the part of the table before it.
 */
export async function peerUid(peer: Address, us: Address, procNet = PROC_NET): Promise<number | undefined> {
  for (const [file, peerHex, usHex] of candidates(peer, us)) {
    const uid = await findUid(`${procNet}/${file}`, `${peerHex} ${usHex}`);
    if (uid !== undefined) return uid;
  }
  return undefined;
}

/**
 * Where to look: an IPv4 peer's socket is in tcp, or in tcp6 under its IPv4-mapped address (a dual-stack
 * client socket, as Java opens by default: Flink's CLI); an IPv6 peer's socket is in tcp6.
 */
function candidates(peer: Address, us: Address): Array<[string, string, string]> {
  const v4 = (a: string) => (a.startsWith('::ffff:') && isIPv4(a.slice(7)) ? a.slice(7) : isIPv4(a) ? a : undefined);
  const peer4 = v4(peer.address);
  const us4 = v4(us.address);
  const v6 = (a: string, four: string | undefined) => ipv6Bytes(four ? `::ffff:${four}` : a);
  const found: Array<[string, string, string]> = [];
  if (peer4 && us4) found.push(['tcp', hexEnd(ipv4Bytes(peer4), peer.port), hexEnd(ipv4Bytes(us4), us.port)]);
  found.push(['tcp6', hexEnd(v6(peer.address, peer4), peer.port), hexEnd(v6(us.address, us4), us.port)]);
  return found;
}

async function findUid(file: string, needle: string): Promise<number | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(64 * 1024);
    let carry = '';
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return undefined;
      const text = carry + buffer.toString('latin1', 0, bytesRead);
      const at = text.indexOf(needle);
      const lineEnd = at < 0 ? -1 : text.indexOf('\n', at);
      if (at >= 0 && lineEnd >= 0) {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
        const columns = text
          .slice(text.lastIndexOf('\n', at) + 1, lineEnd)
          .trim()
          .split(/\s+/);
        return Number(columns[7]);
      }
      carry = text.slice(text.lastIndexOf('\n') + 1); // a row split across two reads
    }
  } finally {
    await handle.close();
  }
}

/** "ADDR:PORT" as the kernel prints it: the address as 32-bit words in host byte order, the port in hex. */
function hexEnd(bytes: number[], port: number): string {
  const words: string[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    if (endianness() === 'LE') word.reverse();
    words.push(word.map((b) => b.toString(16).padStart(2, '0')).join(''));
  }
  return `${words.join('')}:${port.toString(16).padStart(4, '0')}`.toUpperCase();
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

function ipv6Bytes(address: string): number[] {
  let text = address.split('%')[0];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = ipv4Bytes(dotted[1]);
    text = text.slice(0, -dotted[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.flatMap((g) => {
    const n = parseInt(g || '0', 16);
    return [n >> 8, n & 0xff];
  });
}

export interface OwnerPolicy {
  /** coordinator.rest.allow-other-users: every local user may connect (the token, when set, still applies). */
  allowOtherUsers: boolean;
  /** The coordinator's own uid. */
  ownerUid: number;
  procNet?: string;
  log?: (line: string) => void;
}

/**
 * Decides each connection once: undefined admits it, a message refuses it. Where the kernel table is missing
 * (not Linux) every connection is admitted here: the daemon then requires a token instead (see its main).
 */
export async function ownerGuard(policy: OwnerPolicy): Promise<(socket: Socket) => Promise<string | undefined>> {
  if (policy.allowOtherUsers || !(await socketTableAvailable(policy.procNet))) return async () => undefined;
  return async (socket) => {
    const peer = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const us = { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    const uid = await peerUid(peer, us, policy.procNet).catch(() => undefined);
    if (uid === policy.ownerUid) return undefined;
    if (uid === undefined) {
      // Not in this host's table: another host (the token guards those), or a loopback peer already gone.
      return isLoopback(peer.address.replace(/^::ffff:/, ''))
        ? 'The local coordinator answers its owner only, and could not tell which user this connection comes from.'
        : undefined;
    }
    const message =
      `The local coordinator answers its owner only: this connection comes from ${await describeUser(uid)}, ` +
      `the coordinator runs as ${await describeUser(policy.ownerUid)}. Its owner can allow other users with coordinator.rest.allow-other-users: true.`;
    policy.log?.(`Refused a REST connection from ${await describeUser(uid)} (${peer.address}:${peer.port}): this coordinator answers its owner only`);
    return message;
  };
}

/** "user 'bob' (uid 1001)", or "uid 1001" when the name is not known here. */
async function describeUser(uid: number): Promise<string> {
  try {
    if (uid === process.getuid?.()) return `user '${userInfo().username}' (uid ${uid})`;
    const passwd = await readFile('/etc/passwd', 'utf8');
    const name = passwd
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => Number(fields[2]) === uid && fields[2] !== '')?.[0];
    return name ? `user '${name}' (uid ${uid})` : `uid ${uid}`;
  } catch {
    return `uid ${uid}`;
  }
}
