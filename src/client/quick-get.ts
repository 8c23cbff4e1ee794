// One small GET over node:http(s) for the paths where start-up time is the product: shell completion and
// `flink --version` / `doctor` probes. fetch would load undici first (~100 ms, more on a busy machine) and
// its idle keep-alive socket keeps the process alive after the answer; this sends Connection: close and
// gives up after `timeoutMs`. Everything else goes through HttpTransport.
import type { Endpoint } from './http.js';

export interface QuickResponse<T> {
  status: number;
  body: T;
  /** The server's Date header, as sent. */
  date?: string;
}

export async function quickGet<T>(endpoint: Endpoint, path: string, timeoutMs: number): Promise<QuickResponse<T>> {
  const url = new URL(`${endpoint.baseUrl}/v1${path}`);
  const https = url.protocol === 'https:';
  const { request } = https ? await import('node:https') : await import('node:http');
  // https: the endpoint's trust and client certificates; a bad store throws its own one line (TlsSetupError).
  const tls = https ? await import('./tls/connect.js') : undefined;
  const connection = tls?.tlsConnection(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', headers: { Accept: 'application/json', ...endpoint.headers, Connection: 'close' }, timeout: timeoutMs, agent: connection?.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) return reject(new Error(`GET ${path} answered HTTP ${status}`));
          try {
            resolve({ status, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T, date: res.headers.date });
          } catch {
            reject(new Error(`GET ${path} answered something that is not JSON`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${(timeoutMs / 1000).toFixed(1)} s`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const plain = new Error(error.code === 'ECONNREFUSED' ? 'connection refused' : error.message);
      if (!tls || !connection) return reject(plain);
      tls.explainTlsFailure(error, connection).then(
        (explained) => reject(explained ?? plain),
        () => reject(plain),
      );
    });
    req.end();
  });
}
