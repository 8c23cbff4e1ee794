// Every conversion of a snapshot pointer (plain path, file:/x, file:///x, file://localhost/x) to a local path
// goes through one function, so they all agree, percent-decoding included.
import { describe, expect, it } from '@jest/globals';
import { coordinatorStateDir } from '../../../src/config/state-dir.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { snapshotKey } from '../../../src/domain/disposal-guard.js';
import { pointerToPath } from '../../../src/domain/pointers.js';
import { localPathOf } from '../../../src/storage/flink-metadata/index.js';
import { NO_STORAGE_SETTINGS } from '../../../src/storage/index.js';
import { snapshotPointer } from '../../../src/storage/layout.js';
import { fileId } from '../../../src/storage/references.js';
import { StorePool } from '../../../src/storage/stores/index.js';
import { parseStorageUri } from '../../../src/storage/uri.js';

const localDirectory = (pointer: string) => new StorePool(NO_STORAGE_SETTINGS, '/work').absolute(pointer);

const FORMS = ['/tmp/a b/sp', 'file:/tmp/a%20b/sp', 'file:///tmp/a%20b/sp', 'file://localhost/tmp/a%20b/sp', 'FILE:/tmp/a b/sp'];

describe('pointerToPath with a working directory', () => {
  it('resolves relative paths against it and normalises every form', () => {
    expect(pointerToPath('sp/x', '/work')).toBe('/work/sp/x');
    expect(pointerToPath('./sp/../x/', '/work')).toBe('/work/x');
    expect(pointerToPath('file:/tmp/a%20b', '/work')).toBe('/tmp/a b');
    expect(pointerToPath('file:///tmp/sp/../x', '/work')).toBe('/tmp/x');
    expect(pointerToPath('s3://bucket/x', '/work')).toBeUndefined();
    for (const form of FORMS) expect([form, pointerToPath(form, '/work')]).toEqual([form, '/tmp/a b/sp']);
  });
});

describe('the conversions built on it agree', () => {
  it.each(FORMS)('%s', (form) => {
    expect(localDirectory(form)).toBe('/tmp/a b/sp');
    expect(parseStorageUri(form, '/work')).toMatchObject({ kind: 'local', path: '/tmp/a b/sp' });
    expect(snapshotKey(form)).toBe('/tmp/a b/sp');
    expect(localPathOf(form)).toBe('/tmp/a b/sp');
    expect(fileId(snapshotPointer(`${form}/_metadata`))).toBe('/tmp/a b/sp');
  });

  it('a literal % that starts no escape is kept, not a crash', () => {
    expect(localDirectory('file:/tmp/100%/sp')).toBe('/tmp/100%/sp');
    expect(localPathOf('file:/tmp/100%/sp')).toBe('/tmp/100%/sp');
    expect(snapshotKey('file:/tmp/100%/sp')).toBe('/tmp/100%/sp');
  });

  it('coordinator.dir as a file: URI', () => {
    const none = { source: 'none' as const, files: [], entries: [], warnings: [] };
    const dir = (value: string) => coordinatorStateDir(resolveConfig({ loaded: none, dynamic: [`coordinator.dir=${value}`] }), { HOME: '/home/u' }, '/work');
    expect(dir('file:/tmp/a%20b/state')).toBe('/tmp/a b/state');
    expect(dir('file://localhost/tmp/state')).toBe('/tmp/state');
    expect(dir('state')).toBe('/work/state');
    expect(dir('~/state')).toBe('/home/u/state');
  });
});
