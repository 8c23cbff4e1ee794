// The state job of the keyed-state suite (job/harness/StateJob.java), compiled with javac against a Flink
// version's jars into .flink-cache/<version>/state-job.jar (rebuilt when the source changes). Flink ships no
// Avro, so flink-avro and Avro (resolved with harness/state-job-avro-pom.xml) are bundled into the job's jar, as
// users do; whatever the cluster's classpath already holds is left out.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { classpath } from './flink-cluster.js';

const run = promisify(execFile);
const HARNESS = path.resolve('test/flink/harness');

/** flink-avro's version for a Flink version: the same, except 1.20.x (flink-avro's newest 1.20 release is 1.20.3). */
const avroFlinkVersion = (version: string) => (version.startsWith('1.20.') ? '1.20.3' : version);

async function avroJars(version: string, clusterClasspath: string): Promise<string[]> {
  const pom = path.join(HARNESS, 'state-job-avro-pom.xml');
  const hash = createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 12);
  const file = path.resolve('.flink-cache', version, `avro-cp-${hash}.txt`);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        pom,
        `-Davro.flink.version=${avroFlinkVersion(version)}`,
        'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:build-classpath',
        `-Dmdep.outputFile=${file}`,
        '-Dmdep.includeScope=runtime',
      ],
      { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 },
    );
  }
  const artifact = (jar: string) => path.basename(jar).replace(/-\d[^/]*\.jar$/, '');
  const onCluster = new Set(clusterClasspath.split(':').map(artifact));
  return readFileSync(file, 'utf8')
    .trim()
    .split(':')
    .filter((jar) => !onCluster.has(artifact(jar)));
}

export async function stateJobJar(version: string): Promise<string> {
  const dir = path.resolve('.flink-cache', version);
  const jar = path.join(dir, 'state-job.jar');
  const source = path.resolve('test/flink/job/harness/StateJob.java');
  const text = readFileSync(source, 'utf8') + readFileSync(path.join(HARNESS, 'state-job-avro-pom.xml'), 'utf8');
  if (existsSync(jar) && existsSync(`${jar}.src`) && readFileSync(`${jar}.src`, 'utf8') === text) return jar;
  const cp = await classpath(version);
  const bundled = await avroJars(version, cp);
  const classes = path.join(dir, 'state-job-classes');
  rmSync(classes, { recursive: true, force: true });
  mkdirSync(classes, { recursive: true });
  await run('javac', ['--release', '17', '-cp', [cp, ...bundled].join(':'), '-d', classes, source], { maxBuffer: 16 * 1024 * 1024 });
  for (const lib of bundled) await run('unzip', ['-q', '-o', lib, '-x', 'META-INF/*', '-d', classes], { maxBuffer: 16 * 1024 * 1024 });
  await run('jar', ['--create', '--file', jar, '--main-class', 'harness.StateJob', '-C', classes, '.']);
  writeFileSync(`${jar}.src`, text);
  return jar;
}
