// `flink savepoints state` reads a savepoint on an object store through the storage interface, with ranged reads
// (S3Mock, Azurite and HDFS on loopback): a golden Flink savepoint copied there (its relative file handles
// resolve to the store) decodes to the same report and values as on local disk.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/storage/object-store.js';
import { startStores, stopStores, testStores } from '../support/stores.js';
import { emptyDir, fixture, runFlink } from './helpers.js';

const stores = testStores(['s3', 'azure', 'hdfs']);
beforeAll(() => startStores(stores), 300_000);
afterAll(() => stopStores(stores), 60_000);

const SOURCE = fixture('keyed-state', '2.3.0', 'rocksdb-snappy');

describe.each(stores)('savepoints state on $name', (store) => {
  it('the same summary and values as on local disk', async () => {
    const root = await store.fresh('keyed-state');
    const target = await openStore(`${root}/`, store.settings());
    for (const file of readdirSync(SOURCE)) await target.write(`savepoint-abc123-0123456789ab/${file}`, readFileSync(path.join(SOURCE, file)));
    target.close();
    const conf = emptyDir('conf-');
    writeFileSync(path.join(conf, 'config.yaml'), [...store.configLines(), ''].join('\n'));
    const remote = `${root}/savepoint-abc123-0123456789ab`;
    const args = ['--config-dir', conf, '-m', '127.0.0.1:1', '--json'];
    const env = { env: store.env() };
    const [there, here] = await Promise.all([runFlink(['savepoints', 'state', remote, ...args], env), runFlink(['savepoints', 'state', SOURCE, ...args])]);
    expect([there.exitCode, there.stderr]).toEqual([0, '']);
    const strip = (doc: string) => ({ ...JSON.parse(doc), path: undefined });
    expect(strip(there.stdout)).toEqual(strip(here.stdout));
    const key = await runFlink(['savepoints', 'state', remote, '--uid', 'by-string', '--key', 'user-42', '--state', 'last', ...args], env);
    expect(JSON.parse(key.stdout).states).toEqual([expect.objectContaining({ state: 'last', value: 'e35' })]);
  }, 120_000);
});
