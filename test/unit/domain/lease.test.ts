// The pure rules of a store lease: lifetime, renewal, expiry (also of a lease that does not parse), the one
// line naming its holder, and which snapshot a restore lease names.
import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_LEASE_MS,
  describeHolder,
  isAbandoned,
  isExpired,
  leaseDuration,
  namesSnapshot,
  newLease,
  parseLease,
  renewalInterval,
  renewed,
} from '../../../src/domain/lease.js';

const T0 = Date.parse('2026-12-06T04:00:00.000Z');
const holder = { holder: 'h-1', host: 'host-a', pid: 4242, user: 'ops', command: 'savepoints prune' };

describe('lease rules', () => {
  it('a lease expires after its lifetime, not before; renewing moves the expiry, not the start', () => {
    const lease = newLease({ ...holder, kind: 'delete' }, T0, 30_000);
    expect(lease.since).toBe('2026-12-06T04:00:00.000Z');
    expect(lease.expiresAt).toBe('2026-12-06T04:00:30.000Z');
    expect(isExpired(lease, T0 + 30_000)).toBe(false);
    expect(isExpired(lease, T0 + 30_001)).toBe(true);
    const later = renewed(lease, T0 + 20_000, 30_000);
    expect(later.since).toBe(lease.since);
    expect(isExpired(later, T0 + 45_000)).toBe(false);
    expect(isExpired(later, T0 + 50_001)).toBe(true);
  });

  it('a lease that does not parse counts as expired once it is older than a lifetime (or when its age is unknown)', () => {
    expect(parseLease('{"version":1,"kind":"delete","holder":"h"')).toBeUndefined();
    expect(parseLease('{"version":2,"kind":"delete","holder":"h","expiresAt":"x"}')).toBeUndefined();
    expect(parseLease('{"version":1,"kind":"other","holder":"h","expiresAt":"x"}')).toBeUndefined();
    expect(isExpired(undefined, T0, T0 - 1000, 60_000)).toBe(false);
    expect(isExpired(undefined, T0, T0 - 61_000, 60_000)).toBe(true);
    expect(isExpired(undefined, T0)).toBe(true);
    expect(isExpired({ ...newLease({ ...holder, kind: 'delete' }, T0, 1000), expiresAt: 'garbage' }, T0)).toBe(true);
    const lease = newLease({ ...holder, kind: 'restore', snapshot: 's3://b/sp/savepoint-fd7201-0a1b2c3d4e5f' }, T0, 1000);
    expect(parseLease(JSON.stringify(lease))).toEqual(lease);
  });

  it('the lifetime has a floor and a default; three renewals fit in one lifetime', () => {
    expect(leaseDuration(undefined)).toBe(DEFAULT_LEASE_MS);
    expect(leaseDuration(10)).toBe(3000);
    expect(leaseDuration(90_000)).toBe(90_000);
    expect(renewalInterval(60_000)).toBe(20_000);
    expect(renewalInterval(3000)).toBe(1000);
  });

  it('names its holder in one line: host, pid, user, command and when it expires (or expired)', () => {
    const lease = newLease({ ...holder, kind: 'delete' }, T0, 60_000);
    expect(describeHolder(lease, T0 + 18_000)).toBe('pid 4242 on host-a (user ops: flink savepoints prune), expires 2026-12-06T04:01:00.000Z (in 42 s)');
    expect(describeHolder(lease, T0 + 65_000)).toBe('pid 4242 on host-a (user ops: flink savepoints prune), expired 2026-12-06T04:01:00.000Z (5 s ago)');
    expect(describeHolder(lease, T0 + 18_000)).not.toContain('\n');
  });

  it('a lease of a process of this host that no longer runs is abandoned; one of another host, or alive, is not', () => {
    const lease = newLease({ ...holder, kind: 'delete' }, T0, 60_000);
    expect(isAbandoned(lease, 'host-a', () => false)).toBe(true);
    expect(isAbandoned(lease, 'host-a', () => true)).toBe(false);
    expect(isAbandoned(lease, 'host-b', () => false)).toBe(false);
    expect(isAbandoned(undefined, 'host-a', () => false)).toBe(false);
  });

  it('a restore lease names its snapshot whatever the spelling (trailing slash, /_metadata, s3a://); a delete lease names none', () => {
    const restore = newLease({ ...holder, kind: 'restore', snapshot: 's3://b/sp/savepoint-fd7201-0a1b2c3d4e5f' }, T0, 1000);
    expect(namesSnapshot(restore, 's3a://b/sp/savepoint-fd7201-0a1b2c3d4e5f/_metadata')).toBe(true);
    expect(namesSnapshot(restore, 's3://b/sp/savepoint-fd7201-0a1b2c3d4e5f/')).toBe(true);
    expect(namesSnapshot(restore, 's3://b/sp/savepoint-fd7201-0a1b2c3d4e5e')).toBe(false);
    expect(namesSnapshot(newLease({ ...holder, kind: 'delete' }, T0, 1000), 's3://b/sp/savepoint-fd7201-0a1b2c3d4e5f')).toBe(false);
  });
});
