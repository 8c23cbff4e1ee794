// A real HDFS on loopback for tests: Hadoop's MiniDFSCluster (hadoop-client-minicluster from Maven Central,
// resolved into ~/.m2 by `mvn dependency:build-classpath` over hdfs/pom.xml) started by a small launcher
// (hdfs/MiniHdfs.java, compiled with javac on first use). NameNode (WebHDFS on) and DataNode bind 127.0.0.1 on
// free ports. Each cluster comes with a HADOOP_CONF_DIR describing it, as an operator's would: core-site.xml
// (fs.defaultFS) and hdfs-site.xml (the NameNodes' addresses; with `ha`, a name service of two NameNodes, nn1
// standby and nn2 active, and the failover proxy provider Hadoop's own client needs).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = path.resolve('test', 'support', 'hdfs');
const CACHE = path.resolve('.flink-cache', 'hadoop');

export interface NameNodeInfo {
  id: string;
  rpc: number;
  http: number;
  state: 'active' | 'standby';
}

export interface RunningHdfs {
  namenodes: NameNodeInfo[];
  /** "minidfs-ns" with `ha`. */
  nameservice: string | null;
  /** hdfs://127.0.0.1:<rpc port of the active NameNode> (no trailing slash). */
  uri: string;
  /** A directory with core-site.xml and hdfs-site.xml describing this cluster (for HADOOP_CONF_DIR). */
  confDir: string;
  /** The user the cluster runs as: its superuser. */
  user: string;
  /** Milliseconds from spawning the JVM to the cluster being up. */
  startMs: number;
  stop(): Promise<void>;
}

function hash(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);
}

/** hadoop-client-minicluster and its dependencies (resolved once per pom, then cached). */
export async function hadoopClasspath(): Promise<string> {
  const pom = path.join(HERE, 'pom.xml');
  const file = path.join(CACHE, `cp-${hash(pom)}.txt`);
  if (!existsSync(file)) {
    mkdirSync(CACHE, { recursive: true });
    // Written aside and renamed: test files running at once never read a half-written list.
    const temp = `${file}.${process.pid}.tmp`;
    await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        pom,
        'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:build-classpath',
        `-Dmdep.outputFile=${temp}`,
        '-Dmdep.includeScope=runtime',
      ],
      { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 },
    );
    renameSync(temp, file);
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * Hadoop's client for another JVM (a Flink cluster reaching hdfs://): the shaded hadoop-client-api and
 * hadoop-client-runtime with what they need, without the minicluster and without a second slf4j-api.
 */
export async function hadoopClientJars(): Promise<string[]> {
  return (await hadoopClasspath()).split(path.delimiter).filter((jar) => !/hadoop-client-minicluster|slf4j-api/.test(path.basename(jar)));
}

/** The launcher's classes, compiled when its source changed. */
async function launcherClasses(cp: string): Promise<string> {
  const source = path.join(HERE, 'MiniHdfs.java');
  const classes = path.join(CACHE, `classes-${hash(source)}`);
  if (!existsSync(path.join(classes, 'MiniHdfs.class'))) {
    // Compiled aside and renamed: another test file compiling at the same time gets the same classes.
    const temp = `${classes}.${process.pid}.tmp`;
    rmSync(temp, { recursive: true, force: true });
    await run('javac', ['--release', '17', '-cp', cp, '-d', temp, source], { maxBuffer: 16 * 1024 * 1024 });
    try {
      renameSync(temp, classes);
    } catch {
      rmSync(temp, { recursive: true, force: true }); // another test file's rename came first
    }
  }
  return classes;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL'); // never leave a cluster behind a crashed test run
});

export async function startHdfs(options: { ha?: boolean } = {}): Promise<RunningHdfs> {
  const cp = await hadoopClasspath();
  const classes = await launcherClasses(cp);
  const root = mkdtempSync(path.join(tmpdir(), 'minihdfs-'));
  const started = Date.now();
  const child = spawn(
    'java',
    [
      '-Xmx384m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1', // starts faster; a test server needs no peak JIT
      '--add-opens=java.base/java.lang=ALL-UNNAMED',
      '-cp',
      `${cp}${path.delimiter}${classes}`,
      'MiniHdfs',
      path.join(root, 'data'),
      ...(options.ha ? ['--ha'] : []),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], cwd: root },
  );
  children.add(child);
  let info: { namenodes: NameNodeInfo[]; nameservice: string | null };
  try {
    info = await readyLine(child, 240_000);
  } catch (error) {
    child.kill('SIGKILL');
    children.delete(child);
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const startMs = Date.now() - started;
  const active = info.namenodes.find((n) => n.state === 'active')!;
  const confDir = path.join(root, 'conf');
  writeHadoopConf(confDir, info);
  return {
    ...info,
    uri: `hdfs://127.0.0.1:${active.rpc}`,
    confDir,
    user: userInfo().username,
    startMs,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin!.end(); // the launcher shuts the cluster down when its stdin closes
        const term = setTimeout(() => child.kill('SIGTERM'), 15_000);
        const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(term);
        clearTimeout(kill);
      }
      children.delete(child);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function readyLine(child: ChildProcess, timeoutMs: number): Promise<{ namenodes: NameNodeInfo[]; nameservice: string | null }> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`HDFS did not start within ${timeoutMs / 1000} s:\n${output.slice(-3000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /^MINIHDFS (\{.*\})$/m.exec(output);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume(); // keep draining
        resolve(JSON.parse(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    child.once('error', (error) => (clearTimeout(timer), reject(new Error(`HDFS could not be started: ${error.message}`))));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`HDFS exited (${code}) before it was up:\n${output.slice(-3000)}`))));
  });
}

/** Hadoop's site files for this cluster, as an operator's HADOOP_CONF_DIR holds them. */
function writeHadoopConf(dir: string, info: { namenodes: NameNodeInfo[]; nameservice: string | null }): void {
  mkdirSync(dir, { recursive: true });
  const ns = info.nameservice;
  const core: Record<string, string> = { 'fs.defaultFS': ns ? `hdfs://${ns}` : `hdfs://127.0.0.1:${info.namenodes[0].rpc}` };
  const hdfs: Record<string, string> = { 'dfs.replication': '1' };
  if (ns) {
    hdfs['dfs.nameservices'] = ns;
    hdfs[`dfs.ha.namenodes.${ns}`] = info.namenodes.map((n) => n.id).join(',');
    for (const n of info.namenodes) {
      hdfs[`dfs.namenode.rpc-address.${ns}.${n.id}`] = `127.0.0.1:${n.rpc}`;
      hdfs[`dfs.namenode.http-address.${ns}.${n.id}`] = `127.0.0.1:${n.http}`;
    }
    hdfs[`dfs.client.failover.proxy.provider.${ns}`] = 'org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider';
  } else {
    hdfs['dfs.namenode.rpc-address'] = `127.0.0.1:${info.namenodes[0].rpc}`;
    hdfs['dfs.namenode.http-address'] = `127.0.0.1:${info.namenodes[0].http}`;
  }
  writeFileSync(path.join(dir, 'core-site.xml'), siteXml(core));
  writeFileSync(path.join(dir, 'hdfs-site.xml'), siteXml(hdfs));
}

export function siteXml(properties: Record<string, string>): string {
  const body = Object.entries(properties)
    .map(([name, value]) => `  <property>\n    <name>${name}</name>\n    <value>${value}</value>\n  </property>\n`)
    .join('');
  return `<?xml version="1.0"?>\n<configuration>\n${body}</configuration>\n`;
}
