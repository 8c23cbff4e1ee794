// Storage URIs as Flink spells them: plain paths and file:, s3:// (s3a://, s3p:// of Flink's two S3
// plugins), wasbs://container@account.blob.core.windows.net/path and abfss://container@account.dfs.core.windows.net/path,
// hdfs://namenode:port/path, hdfs://nameservice/path and hdfs:///path (fs.defaultFS), webhdfs://namenode:httpport/path.
import path from 'node:path';
import { UsageError } from '../domain/errors.js';
import { pointerToPath } from '../domain/pointers.js';

export type StorageLocation =
  | { kind: 'local'; uri: string; path: string }
  /** prefix: the key prefix below the bucket, "" or ending with "/". */
  | { kind: 's3'; uri: string; scheme: string; bucket: string; prefix: string }
  /** host: "<account>.blob.core.windows.net" or "<account>.dfs.core.windows.net" (the config key's suffix). */
  | { kind: 'azure'; uri: string; scheme: string; container: string; account: string; host: string; prefix: string }
  /** authority: "host:port", a name service, or "" (fs.defaultFS); path: the directory below it, "/" or "/a/b/". */
  | { kind: 'hdfs'; uri: string; scheme: 'hdfs' | 'webhdfs'; authority: string; path: string }
  | { kind: 'unsupported'; uri: string; scheme: string };

const S3_SCHEMES = new Set(['s3', 's3a', 's3p']);
const AZURE_SCHEMES = new Set(['wasbs', 'wasb', 'abfss', 'abfs']);

export function parseStorageUri(text: string, cwd: string): StorageLocation {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  // A one-letter "scheme" is a Windows drive; no scheme is a plain path.
  if (scheme === undefined || scheme.length === 1) return { kind: 'local', uri: text, path: path.resolve(cwd, text) };
  if (scheme === 'file') return { kind: 'local', uri: text, path: localPathOf(text, cwd) };
  if (S3_SCHEMES.has(scheme)) {
    const m = /^[^:]+:\/\/([^/]+)(\/.*)?$/.exec(text);
    if (!m) throw new UsageError(`Invalid S3 URI '${text}': expected ${scheme}://bucket/path`);
    return { kind: 's3', uri: text, scheme, bucket: m[1], prefix: prefixOf(m[2]) };
  }
  if (AZURE_SCHEMES.has(scheme)) {
    const service = scheme.startsWith('abfs') ? 'dfs' : 'blob';
    const m = /^[^:]+:\/\/([^@/]+)@([^/]+)(\/.*)?$/.exec(text);
    const host = m?.[2].toLowerCase();
    const account = host?.endsWith(`.${service}.core.windows.net`) ? host.split('.')[0] : undefined;
    if (!m || account === undefined || account === '') {
      throw new UsageError(`Invalid Azure URI '${text}': expected ${scheme}://container@account.${service}.core.windows.net/path`);
    }
    return { kind: 'azure', uri: text, scheme, container: m[1], account, host: host!, prefix: prefixOf(m[3]) };
  }
  if (scheme === 'hdfs' || scheme === 'webhdfs') {
    // hdfs:/path (one slash, as Hadoop's Path prints an unqualified URI) is hdfs:///path: fs.defaultFS's NameNode.
    const m = /^[^:]+:(?:\/\/([^/?#]*))?(\/[^?#]*)?$/.exec(text);
    if (!m || m[1]?.includes('@')) {
      throw new UsageError(`Invalid HDFS URI '${text}': expected ${scheme}://namenode:port/path, ${scheme}://nameservice/path or ${scheme}:///path`);
    }
    return { kind: 'hdfs', uri: text, scheme, authority: m[1] ?? '', path: `/${prefixOf(m[2])}` };
  }
  return { kind: 'unsupported', uri: text, scheme };
}

/** file:/a, file:///a and file://localhost/a all mean /a (Flink writes file:/a). */
function localPathOf(text: string, cwd: string): string {
  const local = pointerToPath(text, cwd);
  if (local === undefined) throw new UsageError(`Invalid file URI '${text}': expected file:///absolute/path`);
  return local;
}

/** "/savepoints" → "savepoints/"; "" or "/" → "". Double slashes are collapsed (S3 keys never need them here). */
function prefixOf(pathPart: string | undefined): string {
  const trimmed = (pathPart ?? '')
    .split('/')
    .filter((s) => s !== '')
    .join('/');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/** Whether this machine reaches a location itself: a local path, or a store it has an adapter for (not gs://, ...). */
export function hasAdapter(pointer: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(pointer.trim())?.[1]?.toLowerCase();
  return (
    scheme === undefined ||
    scheme.length === 1 ||
    scheme === 'file' ||
    S3_SCHEMES.has(scheme) ||
    AZURE_SCHEMES.has(scheme) ||
    scheme === 'hdfs' ||
    scheme === 'webhdfs'
  );
}
