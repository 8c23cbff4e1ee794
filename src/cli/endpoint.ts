// The REST endpoint the CLI talks to, from its resolved configuration and environment (the client itself
// takes plain options and knows nothing of configuration keys).
import { endpointFor, parseHeaderLines, type Endpoint } from '../client/http.js';
import type { TlsSettings } from '../client/tls/stores.js';
import type { ResolvedConfig } from '../config/resolve.js';

export function endpointFromConfig(config: ResolvedConfig, env: NodeJS.ProcessEnv): Endpoint {
  const https = config.bool('security.ssl.rest.enabled') ?? false;
  return endpointFor({
    https,
    host: config.string('rest.address') ?? '127.0.0.1',
    port: config.int('rest.port') ?? 8081,
    path: config.string('rest.path') ?? '',
    token: config.string('coordinator.rest.token'),
    headers: parseHeaderLines(env.FLINK_REST_CLIENT_HEADERS),
    tls: https ? tlsSettingsFromConfig(config) : undefined,
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
