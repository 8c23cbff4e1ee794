import { describe, expect, it } from '@jest/globals';
import { pollUntil } from '../../../src/cli/services/poll.js';

describe('pollUntil', () => {
  it('asks until there is an answer, and returns it', async () => {
    let asked = 0;
    expect(await pollUntil(() => (++asked === 3 ? 'ready' : undefined), { intervalMs: 1, timeoutMs: 60_000 })).toBe('ready');
    expect(asked).toBe(3);
  });

  it('gives up with undefined when the time is up, having asked at least once', async () => {
    let asked = 0;
    expect(await pollUntil(() => void asked++, { intervalMs: 1, timeoutMs: 0 })).toBeUndefined();
    expect(asked).toBeGreaterThanOrEqual(1);
    expect(await pollUntil(() => undefined, { intervalMs: 1, deadline: Date.now() - 1 })).toBeUndefined();
  });

  it('an error of the check ends the wait', async () => {
    await expect(
      pollUntil(
        () => {
          throw new Error('ended FAILED');
        },
        { intervalMs: 1 },
      ),
    ).rejects.toThrow('ended FAILED');
  });
});
