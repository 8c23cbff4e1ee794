// The REST endpoint the CLI talks to, from its resolved configuration and environment (the client itself
// takes plain options and knows nothing of configuration keys).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { endpointFor, parseHeaderLines, type Endpoint } from '../client/http.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { coordinatorStateDir, OWNER_TOKEN_FILE } from '../config/state-dir.js';

export function endpointFromConfig(config: ResolvedConfig, env: NodeJS.ProcessEnv): Endpoint {
  const host = config.string('rest.address') ?? '127.0.0.1';
  const port = config.int('rest.port') ?? 8081;
  return endpointFor({
    https: config.bool('security.ssl.rest.enabled') ?? false,
    host,
    port,
    path: config.string('rest.path') ?? '',
    token: config.string('coordinator.rest.token') ?? ownerToken(config, env, `http://${host.includes(':') ? `[${host}]` : host}:${port}`),
    headers: parseHeaderLines(env.FLINK_REST_CLIENT_HEADERS),
  });
}

/**
 * The token the local coordinator wrote for its owner where the system cannot tell local users apart
 * (daemon/owner-token.ts), for that coordinator only: `url` must be the address in its pid file. Absent
 * elsewhere (one failed open on Linux).
 */
export function ownerToken(config: ResolvedConfig, env: NodeJS.ProcessEnv, url: string): string | undefined {
  const dir = coordinatorStateDir(config, env, process.cwd());
  try {
    const token = readFileSync(path.join(dir, OWNER_TOKEN_FILE), 'utf8').trim();
    const pid = JSON.parse(readFileSync(path.join(dir, 'coordinator.pid'), 'utf8')) as { url?: string };
    const same = (u: string) => u.replace('//localhost:', '//127.0.0.1:').replace(/\/+$/, '');
    return token !== '' && pid.url !== undefined && same(pid.url) === same(url) ? token : undefined;
  } catch {
    return undefined;
  }
}
