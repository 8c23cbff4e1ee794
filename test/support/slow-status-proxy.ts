// A loopback HTTP proxy in front of a coordinator that holds back each savepoint status poll for `delayMs`
// before forwarding it. The coordinator still does the real work; a CLI run pointed at the proxy simply
// waits (holding its per-job lock) for as long as a test needs, whatever the machine's speed.
import { createServer, request } from 'node:http';

export interface SlowProxy {
  /** host:port to pass with -m. */
  address: string;
  close(): Promise<void>;
}

const STATUS_POLL = /\/jobs\/[0-9a-f]{32}\/savepoints\/[0-9a-f]{32}$/;

export async function slowStatusProxy(target: string, delayMs: number): Promise<SlowProxy> {
  const [host, port] = target.split(':');
  const held = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const forward = () => {
      const upstream = request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    };
    if (req.method === 'GET' && STATUS_POLL.test(req.url ?? '')) {
      const timer = setTimeout(() => {
        held.delete(timer);
        forward();
      }, delayMs);
      held.add(timer);
    } else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: proxyPort } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${proxyPort}`,
    // Polls still held back are dropped: their clients are gone or given up.
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of held) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
