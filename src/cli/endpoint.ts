// The REST endpoint the CLI talks to, from its resolved configuration and environment (the client itself
// takes plain options and knows nothing of configuration keys).
import { endpointFor, parseHeaderLines, type Endpoint } from '../client/http.js';
import type { ResolvedConfig } from '../config/resolve.js';

export function endpointFromConfig(config: ResolvedConfig, env: NodeJS.ProcessEnv): Endpoint {
  return endpointFor({
    https: config.bool('security.ssl.rest.enabled') ?? false,
    host: config.string('rest.address') ?? '127.0.0.1',
    port: config.int('rest.port') ?? 8081,
    path: config.string('rest.path') ?? '',
    token: config.string('coordinator.rest.token'),
    headers: parseHeaderLines(env.FLINK_REST_CLIENT_HEADERS),
    timeoutMs: config.duration('rest.idleness-timeout'),
  });
}
