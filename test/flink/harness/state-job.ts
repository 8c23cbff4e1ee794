// The state job of the keyed-state suite (job/harness/StateJob.java), compiled with javac against a Flink
// version's jars into .flink-cache/<version>/state-job.jar (rebuilt when the source changes).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { classpath } from './flink-cluster.js';

const run = promisify(execFile);

export async function stateJobJar(version: string): Promise<string> {
  const dir = path.resolve('.flink-cache', version);
  const jar = path.join(dir, 'state-job.jar');
  const source = path.resolve('test/flink/job/harness/StateJob.java');
  const text = readFileSync(source, 'utf8');
  if (existsSync(jar) && existsSync(`${jar}.src`) && readFileSync(`${jar}.src`, 'utf8') === text) return jar;
  const classes = path.join(dir, 'state-job-classes');
  rmSync(classes, { recursive: true, force: true });
  await run('javac', ['--release', '17', '-cp', await classpath(version), '-d', classes, source], { maxBuffer: 16 * 1024 * 1024 });
  await run('jar', ['--create', '--file', jar, '--main-class', 'harness.StateJob', '-C', classes, '.']);
  writeFileSync(`${jar}.src`, text);
  return jar;
}
