// The local coordinator answers its owner only. On Linux the REST server knows from the kernel which user is
// at the other end of a loopback connection (server/peer-owner.ts). Elsewhere it cannot tell, so it falls back
// to a token of its own: written once into the state directory, readable by its owner only, and required from
// every client (the owner's `flink` reads it; Flink's CLI sends it with FLINK_REST_CLIENT_HEADERS).
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OWNER_TOKEN_FILE } from '../config/state-dir.js';
import { socketTableAvailable } from '../server/peer-owner.js';

export interface OwnerTokenQuestion {
  stateDir: string;
  /** A configured coordinator.rest.token: it guards the API already. */
  token?: string;
  allowOtherUsers: boolean;
  /** The kernel's socket table (tests point it elsewhere). */
  procNet?: string;
}

/** The token the REST server must require: the configured one, or where the kernel cannot tell users apart, the owner's. */
export async function restToken(q: OwnerTokenQuestion, log: (line: string) => void): Promise<string | undefined> {
  if (q.token || q.allowOtherUsers || (await socketTableAvailable(q.procNet))) return q.token;
  const file = path.join(q.stateDir, OWNER_TOKEN_FILE);
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
    chmodSync(file, 0o600);
  } catch {
    token = randomBytes(24).toString('base64url');
    writeFileSync(file, token + '\n', { mode: 0o600, flag: 'w' });
  }
  log(
    `WARN This system has no kernel socket table (/proc/net/tcp) to tell which user a connection comes from: ` +
      `the REST API requires the token in ${file} (readable by its owner only; flink sends it, Flink's CLI needs ` +
      `FLINK_REST_CLIENT_HEADERS="Authorization: Bearer <token>"). Set coordinator.rest.token to choose one.`,
  );
  return token;
}
