// WebHDFS, HDFS's REST API, over Node's own http: no JVM and no Hadoop client on this side. A request goes to
// the active NameNode (with HA, the NameNodes of the name service are tried in turn: one answering
// StandbyException or not answering at all is skipped, and the one that answered is asked first next time).
// CREATE and OPEN answer with a redirect to a DataNode, which is followed with the data. Simple authentication
// only: every request names its user (user.name=).
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';

/** A failed WebHDFS request: Hadoop's RemoteException (exception name, message), or a transport failure. */
export class WebHdfsError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when no server answered. */
    readonly status: number,
    /** Hadoop's exception class name (FileNotFoundException, AccessControlException, ...). */
    readonly exception?: string,
    /** The transport error code (ECONNREFUSED, ...). */
    readonly code?: string,
  ) {
    super(message);
  }
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

type Params = Record<string, string | number | boolean | undefined>;

/** Idle time of a request before it fails (a stuck NameNode must not hang a command). */
const REQUEST_TIMEOUT_MS = 120_000;

export class WebHdfsClient {
  private active = 0;
  /** Whether `active` answered an operation a standby refuses (a standby still redirects CREATE to a DataNode). */
  private confirmed = false;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });

  constructor(
    /** http://host:port of each NameNode, in the order configured. */
    private readonly namenodes: readonly string[],
    private readonly user: string,
  ) {}

  /** A NameNode operation that answers JSON (LISTSTATUS, GETFILESTATUS, DELETE, RENAME, ...). */
  async json<T>(method: 'GET' | 'PUT' | 'DELETE', path: string, op: string, params: Params = {}): Promise<T> {
    const { answer } = await this.nameNode(method, path, op, params);
    if (answer.status >= 300) throw errorOf(answer, 'the NameNode');
    this.confirmed = true;
    // RENAME with options, among others, answers 200 with no body at all.
    return (answer.body.length === 0 ? undefined : parseJson(answer)) as T;
  }

  /** OPEN: the NameNode redirects to a DataNode holding the data. */
  async open(path: string, params: Params = {}): Promise<Buffer> {
    return this.viaDataNode('GET', path, 'OPEN', params);
  }

  /** CREATE: the NameNode names a DataNode (a redirect without data), which then takes the data. */
  async create(path: string, body: Buffer | Readable, params: Params = {}): Promise<void> {
    await this.viaDataNode('PUT', path, 'CREATE', params, body);
  }

  /**
   * The NameNode's redirect, then the DataNode. The DataNode works through the NameNode that redirected: when
   * that one turns out to be a standby, the operation starts again at the next NameNode (a stream body cannot be
   * sent twice, so that is an error for it). With HA, the active NameNode is made sure of first.
   */
  private async viaDataNode(method: 'GET' | 'PUT', path: string, op: string, params: Params, body?: Buffer | Readable): Promise<Buffer> {
    if (this.namenodes.length > 1 && !this.confirmed) await this.json('GET', '/', 'GETFILESTATUS');
    for (let attempt = 1; ; attempt++) {
      const { answer, index } = await this.nameNode(method, path, op, params);
      if (answer.status === 200 && method === 'GET') return answer.body;
      const data = await send(method, redirectOf(answer), this.agent, body);
      if (data.status < 300) return data.body;
      const error = errorOf(data, 'the DataNode');
      const replayable = body === undefined || Buffer.isBuffer(body);
      if (error.exception !== 'StandbyException' || !replayable || attempt >= this.namenodes.length) throw error;
      this.active = (index + 1) % this.namenodes.length;
      this.confirmed = false;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  /** One request to the active NameNode, failing over through the others. */
  private async nameNode(method: string, path: string, op: string, params: Params): Promise<{ answer: Answer; index: number }> {
    const query = new URLSearchParams({ op, 'user.name': this.user });
    for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, String(v));
    const tried: string[] = [];
    let last: WebHdfsError | undefined;
    const first = this.active; // requests run concurrently: each goes round from where it started
    for (let i = 0; i < this.namenodes.length; i++) {
      const index = (first + i) % this.namenodes.length;
      const base = this.namenodes[index];
      let answer: Answer;
      try {
        answer = await send(method, new URL(`${base}/webhdfs/v1${encodePath(path)}?${query}`), this.agent);
      } catch (error) {
        last = error as WebHdfsError;
        tried.push(last.message);
        continue;
      }
      if (answer.status === 403 && remoteExceptionOf(answer)?.exception === 'StandbyException') {
        tried.push(`${new URL(base).host} (standby)`);
        last = errorOf(answer, 'the NameNode');
        continue;
      }
      this.active = index;
      return { answer, index };
    }
    if (this.namenodes.length === 1) throw last!;
    throw new WebHdfsError(`no active NameNode among ${tried.join(', ')}`, 503);
  }
}

/** Each segment percent-encoded; "/" kept. */
function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

function redirectOf(answer: Answer): URL {
  const location = answer.headers.location;
  if (answer.status >= 300 && answer.status < 400 && location) return new URL(location);
  if (answer.status >= 300) throw errorOf(answer, 'the NameNode');
  throw new WebHdfsError(`expected a redirect to a DataNode, got HTTP ${answer.status}`, answer.status);
}

function send(method: string, url: URL, agent: Agent, body?: Buffer | Readable): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, timeout: REQUEST_TIMEOUT_MS, headers: body === undefined ? {} : { 'content-type': 'application/octet-stream' } });
    req.once('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })));
    const failed = (error: NodeJS.ErrnoException) => reject(new WebHdfsError(`${url.host} (${error.code ?? error.message})`, 0, undefined, error.code));
    req.once('error', failed);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', failed);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    if (body instanceof Readable) {
      body.once('error', (error) => req.destroy(error));
      body.pipe(req);
    } else {
      req.end(body);
    }
  });
}

function parseJson(answer: Answer): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8'));
  } catch {
    throw new WebHdfsError(`HTTP ${answer.status} without a WebHDFS answer (is this a NameNode's HTTP address, with dfs.webhdfs.enabled?)`, answer.status);
  }
}

function remoteExceptionOf(answer: Answer): { exception?: string; message?: string } | undefined {
  try {
    return (JSON.parse(answer.body.toString('utf8')) as { RemoteException?: { exception?: string; message?: string } }).RemoteException;
  } catch {
    return undefined;
  }
}

function errorOf(answer: Answer, who: string): WebHdfsError {
  const remote = remoteExceptionOf(answer);
  if (remote?.exception) return new WebHdfsError(firstLine(remote.message ?? remote.exception), answer.status, remote.exception);
  if (answer.status === 401) return new WebHdfsError(`${who} requires authentication (HTTP 401)`, 401);
  return new WebHdfsError(
    `HTTP ${answer.status} from ${who} without a WebHDFS answer (is this a NameNode's HTTP address, with dfs.webhdfs.enabled?)`,
    answer.status,
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
