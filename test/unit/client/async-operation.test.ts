import { describe, expect, it } from '@jest/globals';
import { pollUntilComplete } from '../../../src/client/async-operation.js';
import { TimeoutError } from '../../../src/domain/errors.js';

function fakeClock() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

describe('pollUntilComplete', () => {
  it('polls with doubling backoff capped at the maximum until COMPLETED', async () => {
    const clock = fakeClock();
    let calls = 0;
    let progress = 0;
    const result = await pollUntilComplete(
      async () =>
        ++calls < 10
          ? { status: { id: 'IN_PROGRESS' as const }, operation: null }
          : { status: { id: 'COMPLETED' as const }, operation: { location: 'file:/sp' } },
      {
        timeoutMs: 60_000,
        what: 'Savepoint',
        triggerId: 't1',
        now: clock.now,
        sleep: clock.sleep,
        onProgress: () => {
          progress++;
        },
      },
    );
    expect(result).toEqual({ location: 'file:/sp' });
    expect(calls).toBe(10);
    expect(progress).toBe(9);
    expect(clock.sleeps).toEqual([10, 20, 40, 80, 160, 320, 640, 1280, 2000]);
  });

  it('a failed operation is COMPLETED with a failure cause: returned, not thrown (the caller decides)', async () => {
    const op = await pollUntilComplete(async () => ({ status: { id: 'COMPLETED' as const }, operation: { 'failure-cause': { class: 'X' } } }), {
      timeoutMs: 1,
      what: 'Savepoint',
      triggerId: 't',
    });
    expect(op).toEqual({ 'failure-cause': { class: 'X' } });
  });

  it('times out with the trigger id and how to reattach, never waiting past the deadline', async () => {
    const clock = fakeClock();
    const promise = pollUntilComplete(async () => ({ status: { id: 'IN_PROGRESS' as const } }), {
      timeoutMs: 5000,
      what: 'Savepoint',
      triggerId: 'abc123',
      reattach: 'flink savepoint status j abc123',
      now: clock.now,
      sleep: clock.sleep,
    });
    await expect(promise).rejects.toThrow(TimeoutError);
    await expect(promise).rejects.toMatchObject({
      message: 'Savepoint did not complete within 5 s; it may still be running (trigger id abc123).',
      triggerId: 'abc123',
      hint: 'Reattach with: flink savepoint status j abc123',
    });
    expect(clock.now()).toBe(5000);
  });
});
