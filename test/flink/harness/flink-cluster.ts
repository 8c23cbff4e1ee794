// A real Apache Flink standalone session cluster (JobManager + TaskManager) from Maven Central jars, bound
// to 127.0.0.1 on ports chosen per run, plus Flink's own CLI from the same jars. Used by test/flink/.
//
// Jars: `mvn dependency:build-classpath` over harness/pom.xml, cached as .flink-cache/<version>/cp-<hash of the pom>.txt (Maven's
// ~/.m2 holds the jars). The TaskManager needs explicit memory settings, which Flink's own BashJavaUtils
// computes (as bin/taskmanager.sh does).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve('.');
const HARNESS = path.join(ROOT, 'test', 'flink', 'harness');
const CACHE = path.join(ROOT, '.flink-cache');

export const VERSIONS = (process.env.FLINK_VERSIONS ?? '1.20.5,2.3.0')
  .split(',')
  .map((v) => v.trim())
  .filter(Boolean);

// Java 17 module flags Flink's distribution sets (env.java.opts.all), and small-footprint JVM flags.
const J17 = ['java.base/sun.net.util', 'java.rmi/sun.rmi.registry', 'java.security.jgss/sun.security.krb5']
  .map((p) => `--add-exports=${p}=ALL-UNNAMED`)
  .concat(
    [
      'java.base/java.lang',
      'java.base/java.net',
      'java.base/java.io',
      'java.base/java.nio',
      'java.base/sun.nio.ch',
      'java.base/java.lang.reflect',
      'java.base/java.text',
      'java.base/java.time',
      'java.base/java.util',
      'java.base/java.util.concurrent',
      'java.base/java.util.concurrent.atomic',
      'java.base/java.util.concurrent.locks',
    ].map((p) => `--add-opens=${p}=ALL-UNNAMED`),
  );
const SMALL = ['-XX:+IgnoreUnrecognizedVMOptions', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:ReservedCodeCacheSize=64m'];

/** The runtime classpath of a Flink version (resolved once, then cached). */
export async function classpath(version: string): Promise<string> {
  // Keyed by the pom's content: a module added to the harness resolves again instead of using a stale list.
  const pom = createHash('sha256')
    .update(readFileSync(path.join(HARNESS, 'pom.xml')))
    .digest('hex')
    .slice(0, 12);
  const file = path.join(CACHE, version, `cp-${pom}.txt`);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        path.join(HARNESS, 'pom.xml'),
        `-Dflink.version=${version}`,
        'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:build-classpath',
        `-Dmdep.outputFile=${file}`,
        '-Dmdep.includeScope=runtime',
      ],
      { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 },
    );
  }
  return readFileSync(file, 'utf8').trim();
}

/** The test job, compiled with javac against this version's jars. */
export async function testJobJar(version: string): Promise<string> {
  const jar = path.join(CACHE, version, 'counter-job.jar');
  const source = path.join(ROOT, 'test', 'flink', 'job', 'harness', 'CounterJob.java');
  if (existsSync(jar) && JSON.stringify(readFileSync(source, 'utf8')) === readCached(jar + '.src')) return jar;
  const classes = path.join(CACHE, version, 'classes');
  rmSync(classes, { recursive: true, force: true });
  await run('javac', ['--release', '17', '-cp', await classpath(version), '-d', classes, source], { maxBuffer: 16 * 1024 * 1024 });
  await run('jar', ['--create', '--file', jar, '--main-class', 'harness.CounterJob', '-C', classes, '.']);
  writeFileSync(jar + '.src', JSON.stringify(readFileSync(source, 'utf8')));
  return jar;
}

function readCached(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ClusterOptions {
  /** Configure execution.checkpointing.savepoint-dir on the cluster (default true). */
  defaultSavepointDir?: boolean;
  /** Where checkpoints and savepoints go; kept by stop() (default: inside the run's temp root, removed by stop()). */
  dataDir?: string;
  /** Further config.yaml lines (e.g. a state backend). */
  config?: string[];
  /** Checkpoint and savepoint directories as URIs (e.g. s3://bucket/checkpoints), instead of file:// ones under dataDir. */
  checkpointUri?: string;
  savepointUri?: string;
  /**
   * Plugins, as Flink's distribution lays them out: plugins/<name>/<jar>. Flink's PluginManager finds the
   * plugins directory through the FLINK_PLUGINS_DIR environment variable (default: ./plugins), one
   * subdirectory per plugin, each with its own class loader.
   */
  plugins?: Record<string, string>;
  /** The cluster's REST endpoint speaks https (its config lines set the stores): the harness's own probes use this agent. */
  restAgent?: HttpsAgent;
  /** How long the JobManager and TaskManager may take to offer a slot (default 90 s). */
  bootTimeoutMs?: number;
  /** Jars added to both JVMs' classpath (a state backend the harness pom does not list for every version; Hadoop's client jars, as bin/config.sh appends HADOOP_CLASSPATH). */
  extraClasspath?: string[];
  /** Environment of both JVMs (e.g. HADOOP_CONF_DIR, read by Flink's Hadoop file system). */
  env?: Record<string, string>;
}

export class FlinkCluster {
  readonly root: string;
  readonly conf: string;
  readonly checkpointDir: string;
  readonly savepointDir: string;
  restPort = 0;
  private processes: ChildProcess[] = [];
  private booted = false;
  private stopping = false;
  private taskManagerRestarts = 0;

  private constructor(
    readonly version: string,
    readonly cp: string,
    private readonly options: ClusterOptions,
  ) {
    this.root = mkdtempSync(path.join(tmpdir(), `flink-real-${version}-`));
    this.conf = path.join(this.root, 'conf');
    this.checkpointDir = path.join(options.dataDir ?? this.root, 'checkpoints');
    this.savepointDir = path.join(options.dataDir ?? this.root, 'savepoints');
  }

  static async start(version: string, options: ClusterOptions = {}): Promise<FlinkCluster> {
    const base = await classpath(version);
    const extra = (options.extraClasspath ?? []).filter((jar) => !base.split(':').includes(jar));
    const cluster = new FlinkCluster(version, [base, ...extra].join(':'), options);
    try {
      await cluster.boot();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get address(): string {
    return `127.0.0.1:${this.restPort}`;
  }

  private async boot(): Promise<void> {
    this.restPort = await freePort();
    const rpcPort = await freePort();
    for (const d of ['conf', 'log', 'tmp', 'web', 'jars', 'work']) mkdirSync(path.join(this.root, d), { recursive: true });
    const lines = [
      'jobmanager.rpc.address: 127.0.0.1',
      `jobmanager.rpc.port: ${rpcPort}`,
      'jobmanager.bind-host: 127.0.0.1',
      'taskmanager.host: 127.0.0.1',
      'taskmanager.bind-host: 127.0.0.1',
      'rest.address: 127.0.0.1',
      'rest.bind-address: 127.0.0.1',
      `rest.port: ${this.restPort}`,
      'jobmanager.memory.process.size: 1024m',
      'taskmanager.memory.process.size: 1024m',
      'taskmanager.memory.managed.size: 64m',
      'taskmanager.numberOfTaskSlots: 4',
      'parallelism.default: 1',
      `execution.checkpointing.dir: ${this.options.checkpointUri ?? `file://${this.checkpointDir}`}`,
      'execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION',
      ...(this.options.defaultSavepointDir === false
        ? []
        : [`execution.checkpointing.savepoint-dir: ${this.options.savepointUri ?? `file://${this.savepointDir}`}`]),
      'restart-strategy.type: none',
      `io.tmp.dirs: ${path.join(this.root, 'tmp')}`,
      `web.tmpdir: ${path.join(this.root, 'web')}`,
      `web.upload.dir: ${path.join(this.root, 'jars')}`,
      `process.working-dir: ${path.join(this.root, 'work')}`,
      ...(this.options.config ?? []),
      '',
    ];
    writeFileSync(path.join(this.conf, 'config.yaml'), lines.join('\n'));
    for (const [name, jar] of Object.entries(this.options.plugins ?? {})) {
      mkdirSync(path.join(this.root, 'plugins', name), { recursive: true });
      symlinkSync(jar, path.join(this.root, 'plugins', name, path.basename(jar))); // a link: the jars are large
    }
    for (const f of ['log4j-console.properties', 'log4j-cli.properties']) writeFileSync(path.join(this.conf, f), readFileSync(path.join(HARNESS, f)));
    const { stdout } = await run(
      'java',
      ['-cp', this.cp, 'org.apache.flink.runtime.util.bash.BashJavaUtils', 'GET_TM_RESOURCE_PARAMS', '--configDir', this.conf],
      { maxBuffer: 4 * 1024 * 1024 },
    );
    const results = stdout
      .split('\n')
      .filter((l) => l.startsWith('BASH_JAVA_UTILS_EXEC_RESULT:'))
      .map((l) => l.slice('BASH_JAVA_UTILS_EXEC_RESULT:'.length).trim());
    if (results.length < 2) throw new Error(`BashJavaUtils gave no TaskManager memory settings:\n${stdout}`);
    const tmJvm = results[0].split(/\s+/);
    const tmDynamic = results[1].split(/\s+/);
    const log4j = `-Dlog4j.configurationFile=file:${path.join(this.conf, 'log4j-console.properties')}`;
    this.spawn('jm', [
      '-Xmx469762048',
      '-Xms469762048',
      '-XX:MaxMetaspaceSize=268435456',
      ...J17,
      ...SMALL,
      `-Dlog.file=${path.join(this.root, 'log', 'jm.log')}`,
      log4j,
      '-cp',
      this.cp,
      'org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint',
      '--configDir',
      this.conf,
    ]);
    this.spawn('tm', [
      ...tmJvm,
      ...J17,
      ...SMALL,
      `-Dlog.file=${path.join(this.root, 'log', 'tm.log')}`,
      log4j,
      '-cp',
      this.cp,
      'org.apache.flink.runtime.taskexecutor.TaskManagerRunner',
      '--configDir',
      this.conf,
      ...tmDynamic,
    ]);
    const deadline = Date.now() + (this.options.bootTimeoutMs ?? 90_000);
    while (Date.now() < deadline) {
      const overview = await this.rest<{ 'slots-available'?: number }>('/overview').catch(() => undefined);
      if (overview && (overview['slots-available'] ?? 0) > 0) {
        this.booted = true;
        return;
      }
      if (this.processes.some((p) => p.exitCode !== null)) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const tail = ['jm.out', 'tm.out'].map((f) => readCached(path.join(this.root, 'log', f))?.slice(-2000) ?? '').join('\n');
    throw new Error(`Flink ${this.version} did not come up with a free slot:\n${tail}`);
  }

  private spawn(name: string, args: string[]): void {
    const out = path.join(this.root, 'log', `${name}.out`);
    const env = { ...process.env, ...this.options.env, FLINK_PLUGINS_DIR: path.join(this.root, 'plugins') };
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false, env });
    child.stdout!.on('data', (d) => writeFileSync(out, d, { flag: 'a' }));
    child.stderr!.on('data', (d) => writeFileSync(out, d, { flag: 'a' }));
    this.processes.push(child);
    // A TaskManager shuts itself down when a task does not react to cancelling within task.cancellation.timeout
    // (180 s; ForSt's backend of 2.3 sometimes waits forever in its dispose): it is started again, as a
    // deployment would, so that the jobs after it get slots.
    if (name.startsWith('tm'))
      child.once('exit', (code, signal) => {
        if (!this.booted || this.stopping || this.taskManagerRestarts >= 3) return;
        const again = `tm-${++this.taskManagerRestarts}`;
        process.stderr.write(`[flink ${this.version}] the TaskManager exited (${signal ?? `code ${code}`}); starting it again (log/${again}.log)\n`);
        this.spawn(
          again,
          args.map((a) => (a.startsWith('-Dlog.file=') ? `-Dlog.file=${path.join(this.root, 'log', `${again}.log`)}` : a)),
        );
      });
  }

  async rest<T>(pathname: string, init?: RequestInit): Promise<T> {
    if (this.options.restAgent) return httpsGet<T>(`https://${this.address}${pathname}`, this.options.restAgent);
    const response = await fetch(`http://${this.address}${pathname}`, { ...init, signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as T;
    if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status, body });
    return body;
  }

  /** Flink's own CLI (CliFrontend) from the same jars against this cluster. */
  async flinkCli(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return runCliFrontend(this.cp, this.conf, path.join(this.root, 'log', 'cli.log'), args);
  }

  /** Stops both JVMs (TERM, then KILL) and removes every file of this run. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.processes.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
            p.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            p.kill('SIGTERM');
          }),
      ),
    );
    this.processes = [];
    // FLINK_KEEP_LOGS=<dir>: the cluster's logs are copied there first (to read why a job failed after the run).
    const keep = process.env.FLINK_KEEP_LOGS;
    if (keep) cpSync(path.join(this.root, 'log'), path.join(keep, path.basename(this.root)), { recursive: true });
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A GET over https with a client certificate (fetch takes none). */
function httpsGet<T>(url: string, agent: HttpsAgent): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { agent, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
        if ((res.statusCode ?? 0) >= 300) reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body }));
        else resolve(body);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Runs Flink's CliFrontend from `cp` with the configuration directory `conf` (which holds log4j-cli.properties). */
export async function runCliFrontend(cp: string, conf: string, logFile: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return run(
    'java',
    [
      ...J17,
      ...SMALL,
      '-Xmx256m',
      `-Dlog.file=${logFile}`,
      `-Dlog4j.configurationFile=file:${path.join(conf, 'log4j-cli.properties')}`,
      '-cp',
      cp,
      'org.apache.flink.client.cli.CliFrontend',
      ...args,
    ],
    { env: { ...process.env, FLINK_CONF_DIR: conf }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
  ).then(
    (r) => ({ exitCode: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      exitCode: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );
}

/** A configuration directory for CliFrontend alone (no cluster): an empty config.yaml and the CLI's log4j file. */
export function cliConfDir(): string {
  const conf = mkdtempSync(path.join(tmpdir(), 'flink-cli-conf-'));
  writeFileSync(path.join(conf, 'config.yaml'), '');
  writeFileSync(path.join(conf, 'log4j-cli.properties'), readFileSync(path.join(HARNESS, 'log4j-cli.properties')));
  return conf;
}
