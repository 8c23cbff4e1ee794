// Harness pieces of the storage-layout suite (test/flink/layouts*.test.ts): the layout job (LayoutJob.java:
// a keyed counter with write-once "ballast" state, configured per job through its program arguments) and, on
// Flink 2.x, the ForSt state backend's jars. Both are cached in .flink-cache/<version>/ like the harness classpath.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { classpath } from './flink-cluster.js';

const run = promisify(execFile);
const ROOT = path.resolve('.');
const HARNESS = path.join(ROOT, 'test', 'flink', 'harness');
const JOB_SOURCES = path.join(ROOT, 'test', 'flink', 'job', 'harness');
const CACHE = path.join(ROOT, '.flink-cache');

/** One run per key at a time: the suite's clusters start together and share the cached files. */
const inFlight = new Map<string, Promise<unknown>>();
function once<T>(key: string, make: () => Promise<T>): Promise<T> {
  if (!inFlight.has(key))
    inFlight.set(
      key,
      make().finally(() => inFlight.delete(key)),
    );
  return inFlight.get(key) as Promise<T>;
}

/** The harness classpath of a version, resolved once even when several clusters of it start together. */
export function sharedClasspath(version: string): Promise<string> {
  return once(`cp-${version}`, () => classpath(version));
}

const hashOf = (...texts: string[]) =>
  texts
    .reduce((h, t) => h.update(t), createHash('sha256'))
    .digest('hex')
    .slice(0, 12);

/** Flink 2.x: ForSt and its native library (forstjni), for a cluster's extraClasspath. */
export function forstClasspath(version: string): Promise<string[]> {
  return once(`forst-${version}`, () => resolveForst(version));
}

async function resolveForst(version: string): Promise<string[]> {
  const pom = path.join(HARNESS, 'forst-pom.xml');
  const file = path.join(CACHE, version, `forst-cp-${hashOf(readFileSync(pom, 'utf8'))}.txt`);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        pom,
        `-Dflink.version=${version}`,
        'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:build-classpath',
        `-Dmdep.outputFile=${file}`,
        '-Dmdep.includeScope=runtime',
      ],
      { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 },
    );
  }
  return readFileSync(file, 'utf8').trim().split(':').filter(Boolean);
}

/** The layout job (plus, on 2.x, the async-state variant for ForSt), compiled against this version's jars. */
export function layoutJobJar(version: string): Promise<string> {
  return once(`jar-${version}`, () => buildLayoutJob(version));
}

async function buildLayoutJob(version: string): Promise<string> {
  const names = ['LayoutJob.java', ...(version.startsWith('1.') ? [] : ['AsyncLayoutJob.java'])];
  const sources = names.map((n) => path.join(JOB_SOURCES, n));
  const jar = path.join(CACHE, version, 'layout-job.jar');
  const stamp = hashOf(...sources.map((s) => readFileSync(s, 'utf8')));
  if (existsSync(jar) && existsSync(`${jar}.src`) && readFileSync(`${jar}.src`, 'utf8') === stamp) return jar;
  const classes = path.join(CACHE, version, 'layout-classes');
  rmSync(classes, { recursive: true, force: true });
  await run('javac', ['--release', '17', '-cp', await sharedClasspath(version), '-d', classes, ...sources], { maxBuffer: 16 * 1024 * 1024 });
  await run('jar', ['--create', '--file', jar, '--main-class', 'harness.LayoutJob', '-C', classes, '.']);
  writeFileSync(`${jar}.src`, stamp);
  return jar;
}

/** Flink's S3 file system plugin (flink-s3-fs-presto) of the version, from Maven Central (cached in ~/.m2). */
export function s3PrestoJar(version: string): string {
  const jar = path.join(homedir(), '.m2', 'repository', 'org', 'apache', 'flink', 'flink-s3-fs-presto', version, `flink-s3-fs-presto-${version}.jar`);
  if (!existsSync(jar))
    execFileSync('mvn', ['-q', '-B', 'dependency:get', `-Dartifact=org.apache.flink:flink-s3-fs-presto:${version}`, '-Dtransitive=false'], {
      stdio: 'inherit',
    });
  return jar;
}
