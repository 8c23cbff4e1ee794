// Storage layouts of real Apache Flink: what an operator's cleanup does to the files Flink's ownership modes and
// state backends leave, then a restore from what survived (harness/layout-cases.ts). One cluster per version on
// local disk, and one for 2.3.0 on S3 (S3Mock, flink-s3-fs-presto), each serving its cases side by side
// (harness/layout-suite.ts, harness/layout-envs.ts).
//
// Cross-job cases (CLAIM on 1.20 and 2.3, LEGACY on 1.20) need whole-root ownership: the files another job's
// checkpoint references are kept, and the dispose plan names that checkpoint.
// With RECORD_FIXTURES=1 the local snapshots are recorded into fixtures/flink-metadata/<version>/<kind>/.
import { afterAll, beforeAll, describe } from '@jest/globals';
import { VERSIONS } from './harness/flink-cluster.js';
import { localSetup, s3Setup } from './harness/layout-envs.js';
import { LayoutSuite } from './harness/layout-suite.js';

const S3_VERSION = '2.3.0';
const local = VERSIONS.map((v): [string, LayoutSuite] => [`storage layouts of Apache Flink ${v} on local disk`, new LayoutSuite(v, () => localSetup(v))]);
const s3: Array<[string, LayoutSuite]> = VERSIONS.includes(S3_VERSION)
  ? [[`storage layouts of Apache Flink ${S3_VERSION} on S3 (S3Mock, flink-s3-fs-presto)`, new LayoutSuite(S3_VERSION, () => s3Setup(S3_VERSION))]]
  : [];
const suites = [...local, ...s3];

// The local clusters boot one after the other (six JVMs booting together on two cores miss their deadline) and
// their cases overlap; S3 (S3Mock and Flink's S3 client are the slowest part, and starve when the machine is
// busy) gets the machine to itself once the local cases are done.
beforeAll(() => {
  let booted: Promise<unknown> = Promise.resolve();
  for (const [, suite] of local) booted = suite.start(booted);
  for (const [, suite] of s3) suite.start(Promise.all(local.map(([, l]) => l.settled())));
});

afterAll(async () => {
  await Promise.all(suites.map(([, suite]) => suite.stop()));
}, 300_000);

for (const [title, suite] of suites) describe(title, () => suite.tests());
