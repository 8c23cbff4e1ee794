// Hadoop's own configuration, found where Flink's HadoopUtils finds it: core-site.xml and hdfs-site.xml in
// $HADOOP_HOME/conf, $HADOOP_HOME/etc/hadoop, then $HADOOP_CONF_DIR (a later file overrides an earlier one,
// unless the earlier one marked the property final), then Flink's `flink.hadoop.<key>` entries. Read only when
// an hdfs:// location is opened. From it: which NameNodes serve a URI's authority (a host:port, or an HA name
// service with failover), as Hadoop's client resolves them, and whether the cluster wants Kerberos.
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { ConfigError } from '../domain/errors.js';

export interface HadoopProperty {
  value: string;
  /** Where it was set: a file, or "flink.hadoop.<key> (<origin>)". */
  from: string;
  final?: boolean;
}

/** Defaults of Hadoop 3 (hdfs-default.xml). */
const DEFAULT_RPC_PORT = 8020;
const DEFAULT_HTTP_PORT = 9870;

export class HadoopConfiguration {
  constructor(
    private readonly properties: ReadonlyMap<string, HadoopProperty>,
    /** The site files read, in order (for messages). */
    readonly files: readonly string[],
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}

  /** The trimmed value with ${...} expanded (other keys, ${env.NAME}, ${user.name}), as Hadoop's Configuration.get. */
  get(key: string): string | undefined {
    const raw = this.properties.get(key)?.value;
    return raw === undefined ? undefined : this.expand(raw.trim(), 0);
  }

  /** Where a key was set, for messages. */
  from(key: string): string | undefined {
    return this.properties.get(key)?.from;
  }

  /** A comma-separated value as a list (Configuration.getTrimmedStrings). */
  list(key: string): string[] {
    return (this.get(key) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  keys(): string[] {
    return [...this.properties.keys()];
  }

  private expand(value: string, depth: number): string {
    if (depth > 20 || !value.includes('${')) return value;
    return value.replace(/\$\{([^}$\s]+)\}/g, (whole, name: string) => {
      if (name.startsWith('env.')) return this.env[name.slice(4)] ?? whole;
      if (name === 'user.name') return userInfo().username;
      const other = this.properties.get(name)?.value;
      return other === undefined ? whole : this.expand(other.trim(), depth + 1);
    });
  }
}

/** The directories whose core-site.xml and hdfs-site.xml are read, lowest precedence first. */
export function hadoopConfDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  if (env.HADOOP_HOME) dirs.push(path.join(env.HADOOP_HOME, 'conf'), path.join(env.HADOOP_HOME, 'etc', 'hadoop'));
  if (env.HADOOP_CONF_DIR) dirs.push(env.HADOOP_CONF_DIR);
  return dirs;
}

/** Reads the site files, then applies `flink.hadoop.<key>` entries of Flink's configuration (key without the prefix). */
export function loadHadoopConfiguration(
  env: NodeJS.ProcessEnv,
  flinkHadoop: ReadonlyArray<{ key: string; value: string; from: string }> = [],
): HadoopConfiguration {
  const properties = new Map<string, HadoopProperty>();
  const files: string[] = [];
  const set = (key: string, property: HadoopProperty) => {
    if (properties.get(key)?.final) return; // Hadoop keeps a final value against later resources
    properties.set(key, property);
  };
  for (const dir of hadoopConfDirs(env)) {
    for (const name of ['core-site.xml', 'hdfs-site.xml']) {
      const file = path.join(dir, name);
      if (!existsSync(file)) continue;
      files.push(file);
      for (const p of parseSiteFile(file)) set(p.name, { value: p.value, from: file, final: p.final });
    }
  }
  for (const { key, value, from } of flinkHadoop) set(key, { value, from });
  return new HadoopConfiguration(properties, files, env);
}

interface SiteProperty {
  name: string;
  value: string;
  final: boolean;
}

/** Hadoop's <configuration><property><name/><value/><final/></property>...</configuration>. */
export function parseSiteFile(file: string): SiteProperty[] {
  let document: unknown;
  try {
    const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, isArray: (name) => name === 'property' });
    document = parser.parse(readFileSync(file, 'utf8'), true);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError(`Cannot read Hadoop configuration ${file}: ${reason}`, { cause: error });
  }
  const root = (document as { configuration?: { property?: unknown[] } | string }).configuration;
  const properties = typeof root === 'object' && root !== null ? (root.property ?? []) : [];
  const out: SiteProperty[] = [];
  for (const p of properties as Array<{ name?: unknown; value?: unknown; final?: unknown }>) {
    if (p === null || typeof p !== 'object' || p.name === undefined) continue;
    out.push({ name: String(p.name).trim(), value: p.value === undefined ? '' : String(p.value), final: String(p.final ?? '').trim() === 'true' });
  }
  return out;
}

export interface NameNodes {
  /** WebHDFS base URLs (http://host:port), in the order to try; more than one is an HA name service. */
  urls: string[];
  /** The name service, when the authority is one. */
  nameservice?: string;
}

/**
 * The NameNodes serving an hdfs:// (or webhdfs://) authority, as Hadoop's client finds them:
 *  - "" (hdfs:///path): the authority of fs.defaultFS;
 *  - a name service of dfs.nameservices: its dfs.ha.namenodes.<ns>, each at dfs.namenode.http-address.<ns>.<nn>
 *    (or dfs.namenode.http-address.<ns> without HA);
 *  - host:port (hdfs://): the http address configured for that RPC address (dfs.namenode.rpc-address[.<suffix>]),
 *    else dfs.namenode.http-address when it names that host (or a wildcard), else <host>:9870;
 *  - host:port (webhdfs://): that HTTP address itself.
 */
export function nameNodesOf(conf: HadoopConfiguration, scheme: 'hdfs' | 'webhdfs', authority: string, uri: string): NameNodes {
  if (authority === '') {
    const fallback = conf.get('fs.defaultFS');
    const m = fallback === undefined ? null : /^(hdfs|webhdfs):\/\/([^/]+)/i.exec(fallback);
    if (!m) {
      const where = fallback === undefined ? 'it is not set' : `it is ${fallback} (${conf.from('fs.defaultFS')})`;
      throw new ConfigError(
        `${uri} names no NameNode and fs.defaultFS is no hdfs:// URI (${where}); set it in core-site.xml in HADOOP_CONF_DIR, or give hdfs://<namenode>:<port>/...`,
      );
    }
    return nameNodesOf(conf, m[1].toLowerCase() as 'hdfs' | 'webhdfs', m[2], uri);
  }
  if (conf.get('dfs.http.policy')?.toUpperCase() === 'HTTPS_ONLY') {
    throw new ConfigError(
      `${uri}: the cluster serves WebHDFS over HTTPS only (dfs.http.policy: HTTPS_ONLY, ${conf.from('dfs.http.policy')}), which is not supported yet`,
    );
  }
  const [host, portText] = splitAuthority(authority);
  const nameservices = new Set([...conf.list('dfs.nameservices'), ...conf.list('dfs.internal.nameservices')]);
  if (nameservices.has(authority)) {
    const ids = conf.list(`dfs.ha.namenodes.${authority}`);
    const keys = ids.length > 0 ? ids.map((id) => `dfs.namenode.http-address.${authority}.${id}`) : [`dfs.namenode.http-address.${authority}`];
    const urls = keys.map((key) => {
      const address = conf.get(key);
      if (!address)
        throw new ConfigError(`${uri}: name service '${authority}' has no ${key} (the NameNode's HTTP address, for WebHDFS) in ${describeFiles(conf)}`);
      return `http://${address}`;
    });
    return { urls, nameservice: authority };
  }
  if (scheme === 'webhdfs') return { urls: [`http://${host}:${portText ?? DEFAULT_HTTP_PORT}`] };
  const rpc = `${host}:${portText ?? DEFAULT_RPC_PORT}`;
  for (const key of conf.keys()) {
    if (key !== 'dfs.namenode.rpc-address' && !key.startsWith('dfs.namenode.rpc-address.')) continue;
    if (!sameAddress(conf.get(key), rpc)) continue;
    const http = conf.get(key.replace('dfs.namenode.rpc-address', 'dfs.namenode.http-address'));
    if (http) return { urls: [`http://${withHost(http, host)}`] };
  }
  const http = conf.get('dfs.namenode.http-address');
  if (http && (isWildcard(splitAuthority(http)[0]) || splitAuthority(http)[0].toLowerCase() === host.toLowerCase()))
    return { urls: [`http://${withHost(http, host)}`] };
  return { urls: [`http://${host}:${DEFAULT_HTTP_PORT}`] };
}

/** Kerberos-secured clusters are refused by name (SPNEGO and delegation tokens are not supported yet). */
export function checkAuthentication(conf: HadoopConfiguration, uri: string): void {
  const auth = conf.get('hadoop.security.authentication')?.toLowerCase();
  if (auth !== undefined && auth !== 'simple') {
    throw new ConfigError(
      `${uri}: the cluster uses ${auth} authentication (hadoop.security.authentication: ${auth}, ${conf.from('hadoop.security.authentication')}), which is not supported yet; only simple authentication (HADOOP_USER_NAME) is`,
    );
  }
}

/** HADOOP_USER_NAME, else the login name, as Hadoop's simple authentication takes it. */
export function hadoopUser(env: NodeJS.ProcessEnv): string {
  return env.HADOOP_USER_NAME || userInfo().username;
}

function splitAuthority(authority: string): [string, string | undefined] {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority);
  return m ? [m[1], m[2]] : [authority, undefined];
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '[::]' || host === '::';
}

/** "0.0.0.0:9870" serves every host: address it by the URI's host. */
function withHost(address: string, host: string): string {
  const [h, port] = splitAuthority(address);
  return isWildcard(h) ? `${host}:${port ?? DEFAULT_HTTP_PORT}` : address;
}

function sameAddress(configured: string | undefined, rpc: string): boolean {
  if (!configured) return false;
  const [h, p] = splitAuthority(configured);
  return `${h.toLowerCase()}:${p ?? DEFAULT_RPC_PORT}` === rpc.toLowerCase();
}

function describeFiles(conf: HadoopConfiguration): string {
  return conf.files.length > 0 ? conf.files.join(', ') : 'no Hadoop configuration (HADOOP_CONF_DIR is not set or holds no core-site.xml / hdfs-site.xml)';
}
