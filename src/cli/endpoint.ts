// The REST endpoint the CLI talks to, from its resolved configuration and environment (the client itself
// takes plain options and knows nothing of configuration keys).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { endpointFor, parseHeaderLines, type Endpoint } from '../client/http.js';
import type { TlsSettings } from '../client/tls/stores.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { coordinatorStateDir, OWNER_TOKEN_FILE } from '../config/state-dir.js';

export function endpointFromConfig(config: ResolvedConfig, env: NodeJS.ProcessEnv): Endpoint {
  const https = config.bool('security.ssl.rest.enabled') ?? false;
  const host = config.string('rest.address') ?? '127.0.0.1';
  const port = config.int('rest.port') ?? 8081;
  return endpointFor({
    https,
    host,
    port,
    path: config.string('rest.path') ?? '',
    token:
      config.string('coordinator.rest.token') ?? ownerToken(config, env, `${https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`),
    headers: parseHeaderLines(env.FLINK_REST_CLIENT_HEADERS),
    tls: https ? tlsSettingsFromConfig(config) : undefined,
    timeoutMs: config.duration('rest.idleness-timeout'),
  });
}

/**
 * Flink's security.ssl.rest.* keys as the client's TLS settings (as Flink's REST client reads them: the
 * keystore only with authentication-enabled, the older security.ssl.* keys as fallbacks). Only file names
 * and passwords here; the stores are read by the client when the first https request goes out.
 */
export function tlsSettingsFromConfig(config: ResolvedConfig): TlsSettings {
  const settings: TlsSettings = {
    verifyHostname: config.bool('security.ssl.verify-hostname') ?? true,
    insecure: config.bool('security.ssl.rest.insecure-skip-verify') ?? false,
  };
  const truststore = config.string('security.ssl.rest.truststore');
  if (truststore !== undefined && !settings.insecure) {
    settings.truststore = {
      path: truststore,
      password: config.string('security.ssl.rest.truststore-password'),
      type: config.string('security.ssl.rest.truststore-type'),
      keys: { path: 'security.ssl.rest.truststore', password: 'security.ssl.rest.truststore-password' },
    };
  }
  const keystore = config.string('security.ssl.rest.keystore');
  if (keystore !== undefined && config.bool('security.ssl.rest.authentication-enabled')) {
    settings.keystore = {
      path: keystore,
      password: config.string('security.ssl.rest.keystore-password'),
      keyPassword: config.string('security.ssl.rest.key-password'),
      type: config.string('security.ssl.rest.keystore-type'),
      keys: { path: 'security.ssl.rest.keystore', password: 'security.ssl.rest.keystore-password' },
      keyPasswordKey: 'security.ssl.rest.key-password',
    };
  } else if (keystore !== undefined) {
    // Set but not sent (Flink's client does the same): a server that requires it says so in the error.
    settings.keystoreUnused = keystore;
  }
  return settings;
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
