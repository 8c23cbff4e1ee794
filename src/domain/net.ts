// Addresses (pure).

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export interface LocalStartQuestion {
  /** The address the command talks to (the REST client's base URL). */
  clientUrl: string;
  /** -m / --jobmanager was given. */
  explicitAddress: boolean;
  /** Where `flink cluster start` with the same configuration listens (rest.bind-address, rest.port). */
  bindHost: string;
  port: number;
}

/**
 * Why a command must not start the local coordinator for the address it talks to (undefined: it may). Only
 * an address that no -m named and that is exactly where the local coordinator would listen qualifies:
 * starting one anywhere else helps nothing and leaves a daemon behind.
 */
export function localStartRefusal(q: LocalStartQuestion): string | undefined {
  if (q.explicitAddress) return '-m names the address to use';
  const url = new URL(q.clientUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const same = (a: string) => (a === 'localhost' ? '127.0.0.1' : a);
  if (url.protocol !== 'http:' || (url.pathname !== '/' && url.pathname !== '')) return `${q.clientUrl} is not the local coordinator's address`;
  if (q.port === 0 || url.port !== String(q.port)) return `port ${url.port || '?'} is not a port the local coordinator listens on`;
  if (!isLoopback(host) || same(host) !== same(q.bindHost)) return `${host} is not the local coordinator's address (${q.bindHost})`;
  return undefined;
}
