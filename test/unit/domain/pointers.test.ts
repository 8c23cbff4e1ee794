import { describe, expect, it } from '@jest/globals';
import { localStartRefusal } from '../../../src/domain/net.js';
import { pathToPointer, pointerToPath } from '../../../src/domain/pointers.js';

describe('pointerToPath', () => {
  it('reads every file: form Flink and users write, percent-decoded', () => {
    expect(pointerToPath('file:/tmp/sp/savepoint-0a1b2c-1f2e3d4c5b6a')).toBe('/tmp/sp/savepoint-0a1b2c-1f2e3d4c5b6a');
    expect(pointerToPath('file:///tmp/sp/x')).toBe('/tmp/sp/x');
    expect(pointerToPath('file://localhost/tmp/sp/x')).toBe('/tmp/sp/x');
    expect(pointerToPath('FILE:/tmp/a%20b/x')).toBe('/tmp/a b/x');
    expect(pointerToPath('file:/tmp/my dir/x')).toBe('/tmp/my dir/x');
    expect(pointerToPath('file:/tmp/100%/x')).toBe('/tmp/100%/x');
    expect(pointerToPath('file:/tmp/a#b?c')).toBe('/tmp/a#b?c');
  });

  it('passes plain paths through and has no path for other schemes or hosts', () => {
    expect(pointerToPath('/data/sp')).toBe('/data/sp');
    expect(pointerToPath('relative/sp')).toBe('relative/sp');
    expect(pointerToPath('s3://bucket/sp')).toBeUndefined();
    expect(pointerToPath('hdfs:///sp')).toBeUndefined();
    expect(pointerToPath('file://otherhost/sp')).toBeUndefined();
  });

  it('round-trips the form the coordinator reports', () => {
    expect(pathToPointer('/tmp/sp/savepoint-0a1b2c-1f2e3d4c5b6a')).toBe('file:/tmp/sp/savepoint-0a1b2c-1f2e3d4c5b6a');
    for (const p of ['/tmp/x', '/tmp/a b/c', '/tmp/50%/d', '/tmp/e#f']) expect(pointerToPath(pathToPointer(p))).toBe(p);
  });
});

describe('localStartRefusal', () => {
  const base = { clientUrl: 'http://127.0.0.1:8081', explicitAddress: false, bindHost: '127.0.0.1', port: 8081 };
  it('allows exactly the address the local coordinator of this configuration listens on', () => {
    expect(localStartRefusal(base)).toBeUndefined();
    expect(localStartRefusal({ ...base, clientUrl: 'http://localhost:18081', port: 18081 })).toBeUndefined();
  });
  it('refuses -m, other hosts, port 0, https and REST paths', () => {
    expect(localStartRefusal({ ...base, explicitAddress: true })).toMatch(/-m/);
    expect(localStartRefusal({ ...base, clientUrl: 'http://127.0.0.2:8081' })).toMatch(/127\.0\.0\.2/);
    expect(localStartRefusal({ ...base, clientUrl: 'http://flink-jm:8081' })).toMatch(/flink-jm/);
    expect(localStartRefusal({ ...base, clientUrl: 'http://127.0.0.1:0', port: 0 })).toMatch(/port/);
    expect(localStartRefusal({ ...base, clientUrl: 'https://127.0.0.1:8081' })).toBeDefined();
    expect(localStartRefusal({ ...base, clientUrl: 'http://127.0.0.1:8081/proxy' })).toBeDefined();
  });
});
