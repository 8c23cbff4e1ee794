// Object-store settings from Flink's own keys, and where HDFS's Hadoop configuration is (pure: a resolved
// configuration and the environment in, settings out). Secret values are wrapped so that printing, logging or
// JSON-encoding the settings never shows them.
import { inspect } from 'node:util';
import { ConfigError } from '../domain/errors.js';
import { HIDDEN } from './keys.js';
import type { ResolvedConfig } from './resolve.js';
import { describeOrigin } from './types.js';

/** A secret value: `reveal()` is the only way to read it; every other rendering is "******". */
export class Secret {
  readonly #value: string;
  /** Where it came from (a file and line, -D, ...), never the value. */
  readonly from: string;

  constructor(value: string, from: string) {
    this.#value = value;
    this.from = from;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return `Secret(${HIDDEN} from ${this.from})`;
  }
}

/** How an object store repeats a request that failed in a way that is safe to repeat (throttling, a reset connection). */
export interface RetrySettings {
  /** Further attempts after the first; 0 turns retries off. */
  retries: number;
  /** The first pause; each further one doubles (with jitter). Unset: the SDK's own. */
  intervalMs?: number;
}

/** Retries of a store request when nothing is configured. */
export const DEFAULT_RETRIES = 4;

export interface S3Settings {
  endpoint?: string;
  pathStyle: boolean;
  region?: string;
  /** Both set, or neither (then the AWS SDK's default credential chain). */
  accessKey?: string;
  secretKey?: Secret;
  /** s3.retry.limit / s3.retry.interval; unset: DEFAULT_RETRIES with the SDK's pauses. */
  retry?: RetrySettings;
}

export interface AzureSettings {
  /** Blob service URL replacing https://<account>.blob.core.windows.net (an emulator such as Azurite). */
  endpoint?: string;
  /** fs.azure.account.key.<host>, host = "<account>.blob.core.windows.net" or "<account>.dfs.core.windows.net". */
  accountKey(host: string): Secret | undefined;
  /** Hosts with a configured account key (so the settings can be handed to a TaskManager process). */
  keyedHosts?(): string[];
  /** fs.azure.io.retry.max.retries / fs.azure.io.retry.backoff.interval; unset: DEFAULT_RETRIES with the SDK's pauses. */
  retry?: RetrySettings;
}

/** What an hdfs:// location needs to find its cluster; the Hadoop files themselves are read only when one is opened. */
export interface HdfsSettings {
  /** Where Hadoop's configuration is (HADOOP_HOME, HADOOP_CONF_DIR) and who WebHDFS requests act as (HADOOP_USER_NAME). */
  env: { HADOOP_HOME?: string; HADOOP_CONF_DIR?: string; HADOOP_USER_NAME?: string };
  /** Flink's `flink.hadoop.<key>` entries, the key without the prefix; applied over the site files, as Flink does. */
  overrides: Array<{ key: string; value: Secret }>;
}

export interface StorageSettings {
  s3: S3Settings;
  azure: AzureSettings;
  /** Unset: from this process's environment alone (see hdfsSettings). */
  hdfs?: HdfsSettings;
}

const FLINK_HADOOP_PREFIX = 'flink.hadoop.';

/** The Hadoop variables of an environment, and Flink's flink.hadoop.* entries (none without a configuration). */
export function hdfsSettings(env: NodeJS.ProcessEnv, config?: ResolvedConfig): HdfsSettings {
  const { HADOOP_HOME, HADOOP_CONF_DIR, HADOOP_USER_NAME } = env;
  const overrides = (config?.all() ?? [])
    .filter((v) => v.key.startsWith(FLINK_HADOOP_PREFIX) && v.key.length > FLINK_HADOOP_PREFIX.length && v.value !== undefined)
    .map((v) => ({ key: v.key.slice(FLINK_HADOOP_PREFIX.length), value: new Secret(v.value!, `${v.key} (${describeOrigin(v.origin)})`) }));
  return { env: { HADOOP_HOME, HADOOP_CONF_DIR, HADOOP_USER_NAME }, overrides };
}

const ACCOUNT_KEY_PREFIX = 'fs.azure.account.key.';

export function azureAccountKeyNames(host: string): string[] {
  // The key for the URI's own host first, then the account's other service (one account, one key).
  const other = host.includes('.dfs.') ? host.replace('.dfs.', '.blob.') : host.replace('.blob.', '.dfs.');
  return [`fs.azure.account.key.${host}`, `fs.azure.account.key.${other}`];
}

export function storageSettings(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): StorageSettings {
  const secret = (key: string): Secret | undefined => {
    const v = config.get(key);
    return v.value === undefined || v.value === '' ? undefined : new Secret(v.value, `${v.spelledAs ?? v.key} (${describeOrigin(v.origin)})`);
  };
  return {
    s3: {
      endpoint: config.string('s3.endpoint') || undefined,
      pathStyle: config.bool('s3.path.style.access') ?? false,
      region: config.string('s3.region') || undefined,
      accessKey: config.string('s3.access-key') || undefined,
      secretKey: secret('s3.secret-key'),
      retry: retrySettings(config, 's3.retry.limit', 's3.retry.interval'),
    },
    azure: {
      endpoint: config.string('azure.blob.endpoint') || undefined,
      accountKey: (host) =>
        azureAccountKeyNames(host)
          .map(secret)
          .find((s) => s !== undefined),
      keyedHosts: () =>
        config
          .all()
          .map((v) => v.key)
          .filter((k) => k.startsWith(ACCOUNT_KEY_PREFIX) && secret(k) !== undefined)
          .map((k) => k.slice(ACCOUNT_KEY_PREFIX.length)),
      retry: retrySettings(config, 'fs.azure.io.retry.max.retries', 'fs.azure.io.retry.backoff.interval'),
    },
    hdfs: hdfsSettings(env, config),
  };
}

function retrySettings(config: ResolvedConfig, limitKey: string, intervalKey: string): RetrySettings {
  const retries = config.int(limitKey) ?? DEFAULT_RETRIES;
  if (retries < 0) throw new ConfigError(`Invalid value for ${limitKey}: ${retries} (expected 0 or more retries)`);
  return { retries, intervalMs: config.duration(intervalKey) };
}
