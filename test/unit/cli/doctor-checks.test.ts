import { describe, expect, it } from '@jest/globals';
import { clockSkewCheck, MAX_CLOCK_SKEW_MS } from '../../../src/cli/services/doctor-checks.js';

describe('clock skew from an HTTP Date header (whole seconds)', () => {
  const now = Date.UTC(2026, 11, 1, 9, 0, 0, 400);
  const dateOf = (ms: number) => Math.floor(ms / 1000) * 1000; // what a server's Date header carries

  it('passes when the clocks agree within the limit, whatever the sub-second truncation', () => {
    expect(clockSkewCheck(dateOf(now), now - 20, now + 20).status).toBe('pass');
    expect(clockSkewCheck(dateOf(now + MAX_CLOCK_SKEW_MS), now - 20, now + 20).status).toBe('pass');
  });

  it('fails when the cluster is ahead or behind by more than the limit, and says which with a fix', () => {
    const ahead = clockSkewCheck(dateOf(now + 60_000), now - 20, now + 20);
    expect(ahead).toMatchObject({ status: 'fail' });
    expect(ahead.detail).toMatch(/^the cluster's clock is 60\.\d s ahead of/);
    expect(ahead.fix).toContain('NTP');
    expect(clockSkewCheck(dateOf(now - 60_000), now - 20, now + 20).detail).toContain('behind');
  });

  it('a slow answer widens the uncertainty instead of failing', () => {
    expect(clockSkewCheck(dateOf(now + 8_000), now - 4_000, now + 4_000).status).toBe('pass');
  });

  it('no Date header: skipped', () => {
    expect(clockSkewCheck(undefined, now, now).status).toBe('skip');
  });
});
