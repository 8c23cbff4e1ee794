// `flink savepoints state` reads a savepoint on an object store through the storage interface, with ranged reads
// (S3Mock and Azurite on loopback): a golden Flink savepoint copied there (its relative file handles resolve
// to the store) decodes to the same report and values as on local disk.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../../src/config/resolve.js';
import { storageSettings } from '../../src/config/storage.js';
import { openStore } from '../../src/storage/object-store.js';
import { azureConfigLines, freshBucket, freshContainer, s3ConfigLines, startAzurite, startS3Mock, type RunningServer } from '../support/object-stores.js';
import { emptyDir, fixture, runFlink } from './helpers.js';

let s3: RunningServer;
let azurite: RunningServer;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // this file's own S3 client
  const [a, b] = await Promise.allSettled([startS3Mock(), startAzurite()]);
  if (a.status === 'fulfilled') s3 = a.value;
  if (b.status === 'fulfilled') azurite = b.value;
  for (const r of [a, b]) if (r.status === 'rejected') throw r.reason;
}, 240_000);
afterAll(async () => {
  await Promise.all([s3?.stop(), azurite?.stop()]);
}, 60_000);

const SOURCE = fixture('keyed-state', '2.3.0', 'rocksdb-snappy');

describe.each([
  ['S3 (S3Mock)', () => s3ConfigLines(s3.endpoint), () => freshBucket(s3.endpoint, 'keyed-state')],
  ['Azure Blob (Azurite)', () => azureConfigLines(azurite.endpoint), () => freshContainer(azurite.endpoint, 'keyed-state')],
])('savepoints state on %s', (_name, keys, fresh) => {
  it('the same summary and values as on local disk', async () => {
    const root = await fresh();
    const settings = storageSettings(
      resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic: keys().map((l) => l.replace(/^([^:]+): /, '$1=')) }),
    );
    const store = await openStore(`${root}/`, settings);
    for (const file of readdirSync(SOURCE)) await store.write(`savepoint-abc123-0123456789ab/${file}`, readFileSync(path.join(SOURCE, file)));
    store.close();
    const conf = emptyDir('conf-');
    writeFileSync(path.join(conf, 'config.yaml'), [...keys(), ''].join('\n'));
    const remote = `${root}/savepoint-abc123-0123456789ab`;
    const args = ['--config-dir', conf, '-m', '127.0.0.1:1', '--json'];
    const [there, here] = await Promise.all([runFlink(['savepoints', 'state', remote, ...args]), runFlink(['savepoints', 'state', SOURCE, ...args])]);
    expect([there.exitCode, there.stderr]).toEqual([0, '']);
    const strip = (doc: string) => ({ ...JSON.parse(doc), path: undefined });
    expect(strip(there.stdout)).toEqual(strip(here.stdout));
    const key = await runFlink(['savepoints', 'state', remote, '--uid', 'by-string', '--key', 'user-42', '--state', 'last', ...args]);
    expect(JSON.parse(key.stdout).states).toEqual([expect.objectContaining({ state: 'last', value: 'e35' })]);
  });
});
