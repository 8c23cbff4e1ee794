// Every configuration key this tool reads, in one place, with its default and its older names.
// Names are Flink's where Flink has the setting; keys Flink never had (FLIP-10's periodic savepoints,
// the local coordinator) are marked as extensions. flink-conf.example.yaml documents the same list.

export type KeyType = 'string' | 'int' | 'bool' | 'duration' | 'enum' | 'memory';

export interface KeySpec {
  key: string;
  /** Other names of the same setting, highest precedence first. */
  aliases?: readonly string[];
  /** Aliases that are deprecated: still read, with a warning naming `key`. */
  deprecated?: readonly string[];
  /** A different key whose value is used when this one is unset (Flink's "fallback keys"). */
  fallback?: string;
  default?: string;
  type: KeyType;
  values?: readonly string[];
  description: string;
  /** True for keys Apache Flink does not have. */
  extension?: boolean;
}

// Flink's GlobalConfiguration.isSensitive: a key whose name contains one of these holds a secret.
const SENSITIVE = [
  'password',
  'secret',
  'fs.azure.account.key',
  'apikey',
  'api-key',
  'auth-params',
  'service-key',
  'token',
  'basic-auth',
  'jaas.config',
  'http-headers',
];

/** True when the value of this key must never be printed, logged or audited. */
export function isSecretKey(name: string): boolean {
  const lower = name.toLowerCase();
  return SENSITIVE.some((word) => lower.includes(word));
}

/** What is shown instead of a secret value (Flink shows the same). */
export const HIDDEN = '******';

export const SAVEPOINT_DIR = 'execution.checkpointing.savepoint-dir';
export const SAVEPOINT_DIR_FLIP10 = 'state.savepoints.dir';
export const SAVEPOINT_DIR_DEPRECATED = 'savepoints.state.backend.fs.dir';
export const SAVEPOINT_BACKEND_REMOVED = 'savepoints.state.backend';

export const KEYS: readonly KeySpec[] = [
  // --- where the coordinator is ---
  {
    key: 'rest.address',
    fallback: 'jobmanager.rpc.address',
    default: '127.0.0.1',
    type: 'string',
    description: 'Host of the REST endpoint (local coordinator or Flink JobManager). Falls back to jobmanager.rpc.address.',
  },
  { key: 'rest.port', deprecated: ['web.port'], default: '8081', type: 'int', description: 'Port of the REST endpoint.' },
  { key: 'rest.path', default: '', type: 'string', description: 'URL path prefix of the REST endpoint (e.g. behind a proxy).' },
  {
    key: 'rest.idleness-timeout',
    default: '30 s',
    type: 'duration',
    description: "How long one REST request waits for an answer before the endpoint counts as not answering (Flink's key; its default there is 5 min).",
  },
  { key: 'jobmanager.rpc.address', type: 'string', description: 'JobManager host; used for rest.address when that is unset.' },
  {
    key: 'security.ssl.rest.enabled',
    fallback: 'security.ssl.enabled',
    default: 'false',
    type: 'bool',
    description: 'Talk https to the REST endpoint (also set by -m https://...). Falls back to security.ssl.enabled.',
  },
  {
    key: 'client.timeout',
    aliases: ['akka.client.timeout'],
    default: '60 s',
    type: 'duration',
    description: 'How long waiting commands wait before reporting a timeout (the operation keeps running).',
  },
  {
    key: 'rest.bind-address',
    default: '127.0.0.1',
    type: 'string',
    description: 'Address the local coordinator binds. Anything but loopback requires coordinator.rest.token.',
  },
  {
    key: 'coordinator.rest.token',
    type: 'string',
    extension: true,
    description: 'Bearer token the local coordinator requires (mandatory when it binds a non-loopback address).',
  },
  {
    key: 'coordinator.rest.allow-other-users',
    default: 'false',
    type: 'bool',
    extension: true,
    description:
      'Let other users of this host use the local coordinator. By default it answers its owner only (Linux tells it who is at the other end of a loopback connection); elsewhere it requires a token it writes for its owner.',
  },
  {
    key: 'coordinator.dir',
    type: 'string',
    extension: true,
    description: 'State directory of the local coordinator (jobs, artifacts, pid and log file). Default: ~/.local/state/flink-cli.',
  },

  {
    key: 'audit.log',
    type: 'string',
    extension: true,
    description: 'Audit log of state-changing commands (one JSON line each). Default: <coordinator.dir>/audit.log.',
  },
  {
    key: 'savepoints.lock-stale-after',
    default: '10 min',
    type: 'duration',
    extension: true,
    description: 'A per-job savepoint lock older than this (its holder died) is taken over.',
  },
  {
    key: 'savepoints.lease-duration',
    default: '60 s',
    type: 'duration',
    extension: true,
    description:
      'Lifetime of the lease a deleting command or a restore keeps in the snapshot store (renewed every third of it while the command runs; taken over once expired).',
  },

  // --- snapshots ---
  {
    key: SAVEPOINT_DIR,
    aliases: [SAVEPOINT_DIR_FLIP10],
    deprecated: [SAVEPOINT_DIR_DEPRECATED],
    type: 'string',
    description: 'Default target directory of savepoints (FLIP-10: state.savepoints.dir; Flink 2: execution.checkpointing.savepoint-dir).',
  },
  {
    key: 'execution.checkpointing.dir',
    aliases: ['state.checkpoints.dir'],
    deprecated: ['state.backend.fs.checkpointdir'],
    type: 'string',
    description: 'Directory of checkpoints: <dir>/<job id>/chk-<n>.',
  },
  {
    key: 'dstl.dfs.base-path',
    type: 'string',
    description: "Root of the changelog state backend's files (<dir>/<job id>/dstl/): never disposed, and counted when deciding what a checkpoint still needs.",
  },
  {
    key: 'execution.checkpointing.num-retained',
    aliases: ['state.checkpoints.num-retained'],
    default: '1',
    type: 'int',
    description: 'How many completed checkpoints are retained (bounded FIFO; older ones are subsumed).',
  },
  { key: 'execution.checkpointing.interval', type: 'duration', description: 'Checkpoint interval; unset means periodic checkpoints are off.' },
  { key: 'execution.checkpointing.timeout', default: '10 min', type: 'duration', description: 'A checkpoint or savepoint not complete after this is aborted.' },
  {
    key: 'execution.checkpointing.externalized-checkpoint-retention',
    default: 'NO_EXTERNALIZED_CHECKPOINTS',
    type: 'enum',
    values: ['NO_EXTERNALIZED_CHECKPOINTS', 'RETAIN_ON_CANCELLATION', 'DELETE_ON_CANCELLATION'],
    description: 'Whether completed checkpoints outlive the job. RETAIN_ON_CANCELLATION = FLIP-10 persistent checkpoints.',
  },
  {
    key: 'execution.checkpointing.periodic-savepoints.interval',
    type: 'duration',
    extension: true,
    description: 'FLIP-10 periodic savepoints: trigger a savepoint this often (unset = off).',
  },
  {
    key: 'execution.checkpointing.periodic-savepoints.dir',
    type: 'string',
    extension: true,
    description: 'Target directory of periodic savepoints (default: the savepoint directory).',
  },
  {
    key: 'execution.checkpointing.periodic-savepoints.max-retained',
    default: '3',
    type: 'int',
    extension: true,
    description: 'How many periodic savepoints are kept; the oldest is disposed when a newer one completes.',
  },
  {
    key: 'restart-strategy.type',
    default: 'fixed-delay',
    type: 'enum',
    values: ['none', 'fixed-delay'],
    description: 'What the local coordinator does when a task fails.',
  },
  { key: 'restart-strategy.fixed-delay.attempts', default: '3', type: 'int', description: 'Restarts before the job is FAILED.' },
  { key: 'restart-strategy.fixed-delay.delay', default: '1 s', type: 'duration', description: 'Pause before each restart.' },
  {
    key: 'taskmanager.memory.process.size',
    default: '1g',
    type: 'memory',
    description:
      'Resident memory (heap, Buffers, everything) of the TaskManager process each job of the local coordinator runs in; over it the job fails (and restarts as its restart strategy says).',
  },
  {
    key: 'execution.state-recovery.claim-mode',
    aliases: ['execution.savepoint-restore-mode'],
    default: 'NO_CLAIM',
    type: 'enum',
    values: ['CLAIM', 'NO_CLAIM', 'LEGACY'],
    description: 'Who owns the snapshot a job is restored from.',
  },

  // --- TLS to the REST endpoint: Flink's own keys, so one config dir serves Flink's CLI and this one ---
  {
    key: 'security.ssl.rest.authentication-enabled',
    default: 'false',
    type: 'bool',
    description: 'Mutual TLS: send the client certificate of security.ssl.rest.keystore (only then is the keystore read).',
  },
  {
    key: 'security.ssl.rest.truststore',
    fallback: 'security.ssl.truststore',
    type: 'string',
    description:
      "The CA certificates that verify the REST endpoint (PKCS12 or JKS store, or a PEM file). Unset: Node.js's default CAs and NODE_EXTRA_CA_CERTS.",
  },
  {
    key: 'security.ssl.rest.truststore-password',
    fallback: 'security.ssl.truststore-password',
    type: 'string',
    description: 'Password of the truststore (not needed for PEM). Never printed.',
  },
  {
    key: 'security.ssl.rest.truststore-type',
    type: 'string',
    description: "PKCS12, JKS or PEM; the file's content decides (as with Java's dual-format stores), another type is refused.",
  },
  {
    key: 'security.ssl.rest.keystore',
    fallback: 'security.ssl.keystore',
    type: 'string',
    description: 'The client certificate and its private key for mutual TLS (PKCS12 or JKS store, or a PEM file with both).',
  },
  {
    key: 'security.ssl.rest.keystore-password',
    fallback: 'security.ssl.keystore-password',
    type: 'string',
    description: 'Password of the keystore (not needed for PEM). Never printed.',
  },
  {
    key: 'security.ssl.rest.key-password',
    fallback: 'security.ssl.key-password',
    type: 'string',
    description: 'Password of the private key in the keystore (default: the keystore password; keytool makes them equal for PKCS12). Never printed.',
  },
  { key: 'security.ssl.rest.keystore-type', type: 'string', description: 'PKCS12, JKS or PEM; the content decides, another type is refused.' },
  {
    key: 'security.ssl.verify-hostname',
    default: 'true',
    type: 'bool',
    description: "Check that the REST endpoint's certificate names the host connected to (false: any name, still signed by a trusted CA).",
  },
  {
    key: 'security.ssl.rest.insecure-skip-verify',
    default: 'false',
    type: 'bool',
    extension: true,
    description: "Send requests without verifying the REST endpoint's certificate at all (a warning on every call). For tests only.",
  },
  { key: 'security.ssl.enabled', type: 'bool', description: "Flink's older switch for all TLS (default false): the fallback of security.ssl.rest.enabled." },
  { key: 'security.ssl.truststore', type: 'string', description: "Flink's older shared truststore key: the fallback of security.ssl.rest.truststore." },
  { key: 'security.ssl.truststore-password', type: 'string', description: 'The fallback of security.ssl.rest.truststore-password. Never printed.' },
  { key: 'security.ssl.keystore', type: 'string', description: "Flink's older shared keystore key: the fallback of security.ssl.rest.keystore." },
  { key: 'security.ssl.keystore-password', type: 'string', description: 'The fallback of security.ssl.rest.keystore-password. Never printed.' },
  { key: 'security.ssl.key-password', type: 'string', description: 'The fallback of security.ssl.rest.key-password. Never printed.' },

  // --- object stores (Flink's S3 file system keys; Azure account keys are per account, see flink-conf.example.yaml) ---
  { key: 's3.endpoint', type: 'string', description: 'Endpoint of an S3-compatible store (e.g. http://127.0.0.1:9090); unset = AWS S3.' },
  {
    key: 's3.path.style.access',
    default: 'false',
    type: 'bool',
    description: 'Address buckets as <endpoint>/<bucket> instead of <bucket>.<endpoint> (most S3-compatible stores).',
  },
  { key: 's3.access-key', type: 'string', description: "S3 access key id; unset = the AWS SDK's default chain (environment, profile, instance/pod identity)." },
  { key: 's3.secret-key', type: 'string', description: 'S3 secret access key (never printed).' },
  { key: 's3.region', type: 'string', description: 'S3 region; unset = AWS_REGION or the profile (us-east-1 when s3.endpoint is set).' },
  {
    key: 's3.retry.limit',
    default: '4',
    type: 'int',
    description: 'Retries of an S3 request that failed in a way safe to repeat (throttling, 5xx, a reset connection); 0 = none.',
  },
  {
    key: 's3.retry.interval',
    type: 'duration',
    description: "First pause before an S3 retry, doubling each time (with jitter); unset = the AWS SDK's (50 ms, 1 s when throttled).",
  },
  {
    key: 'fs.azure.io.retry.max.retries',
    default: '4',
    type: 'int',
    description: 'Retries of an Azure Blob request that failed in a way safe to repeat (ServerBusy, 5xx, a reset connection); 0 = none.',
  },
  {
    key: 'fs.azure.io.retry.backoff.interval',
    default: '1 s',
    type: 'duration',
    description: "Pause unit between Azure Blob retries (the SDK's exponential policy: pauses of 0, 1, 3, 7 units, at most 20 s).",
  },
  {
    key: 'azure.blob.endpoint',
    type: 'string',
    extension: true,
    description: "Blob service URL of the account instead of https://<account>.blob.core.windows.net (e.g. Azurite's http://127.0.0.1:10000/devstoreaccount1).",
  },

  // --- removed by FLIP-10; read only to warn ---
  { key: SAVEPOINT_BACKEND_REMOVED, type: 'string', description: 'Removed by FLIP-10 (Flink 1.2): savepoints always go to files. Ignored with a warning.' },
];

const byName = new Map<string, KeySpec>();
for (const spec of KEYS) {
  byName.set(spec.key, spec);
  for (const alias of [...(spec.aliases ?? []), ...(spec.deprecated ?? [])]) byName.set(alias, spec);
}

/** The spec a key (or one of its older names) belongs to. */
export function specOf(name: string): KeySpec | undefined {
  return byName.get(name);
}
