import { describe, expect, test } from '@jest/globals';
import { BarrierAligner } from '../../../src/runtime/alignment.js';

function recorder(channels: number) {
  const log: string[] = [];
  const aligner = new BarrierAligner<string>(channels, {
    record: (ch, r) => log.push(`${ch}:${r}`),
    aligned: (b) => log.push(`snapshot ${b.id}`),
    ended: () => log.push('ended'),
  });
  return { aligner, log };
}

describe('BarrierAligner', () => {
  test('a single channel snapshots as soon as the barrier arrives', () => {
    const { aligner, log } = recorder(1);
    aligner.record(0, 'a');
    aligner.barrier(0, { id: 1 });
    aligner.record(0, 'b');
    aligner.end(0);
    expect(log).toEqual(['0:a', 'snapshot 1', '0:b', 'ended']);
  });

  test('records behind a barrier wait until every channel delivered it', () => {
    const { aligner, log } = recorder(2);
    aligner.record(0, 'a1');
    aligner.barrier(0, { id: 1 });
    aligner.record(0, 'a2'); // after the barrier on channel 0: buffered
    aligner.record(1, 'b1'); // before the barrier on channel 1: processed now
    expect(aligner.isBlocked(0)).toBe(true);
    expect(aligner.bufferedCount(0)).toBe(1);
    expect(log).toEqual(['0:a1', '1:b1']);
    aligner.barrier(1, { id: 1 });
    aligner.record(1, 'b2');
    expect(log).toEqual(['0:a1', '1:b1', 'snapshot 1', '0:a2', '1:b2']);
    expect(aligner.isBlocked(0)).toBe(false);
  });

  test('the snapshot sees exactly the records before the barrier on each channel (three channels)', () => {
    const { aligner, log } = recorder(3);
    aligner.barrier(2, { id: 7 });
    aligner.record(2, 'late');
    aligner.record(0, 'x');
    aligner.barrier(0, { id: 7 });
    aligner.record(1, 'y');
    aligner.record(0, 'late0');
    expect(log).toEqual(['0:x', '1:y']);
    aligner.barrier(1, { id: 7 });
    expect(log).toEqual(['0:x', '1:y', 'snapshot 7', '0:late0', '2:late']);
  });

  test('a buffered later barrier blocks its channel again after the replay', () => {
    const { aligner, log } = recorder(2);
    aligner.barrier(0, { id: 1 });
    aligner.record(0, 'a');
    aligner.barrier(0, { id: 2 });
    aligner.record(0, 'b');
    aligner.record(1, 'c');
    aligner.barrier(1, { id: 1 });
    // Barrier 1 aligned; channel 0 replays 'a', then meets barrier 2 and blocks again with 'b' buffered.
    expect(log).toEqual(['1:c', 'snapshot 1', '0:a']);
    expect(aligner.isBlocked(0)).toBe(true);
    expect(aligner.aligning).toEqual({ id: 2 });
    aligner.record(1, 'd');
    aligner.barrier(1, { id: 2 });
    expect(log).toEqual(['1:c', 'snapshot 1', '0:a', '1:d', 'snapshot 2', '0:b']);
  });

  test('an ended channel counts as aligned', () => {
    const { aligner, log } = recorder(2);
    aligner.end(1);
    aligner.barrier(0, { id: 3 });
    expect(log).toEqual(['snapshot 3']);
    aligner.end(0);
    expect(log).toEqual(['snapshot 3', 'ended']);
  });

  test('a channel that ends while another is blocked completes the alignment', () => {
    const { aligner, log } = recorder(2);
    aligner.barrier(0, { id: 1 });
    aligner.record(0, 'after');
    aligner.record(1, 'before');
    aligner.end(1);
    expect(log).toEqual(['1:before', 'snapshot 1', '0:after']);
    aligner.end(0);
    expect(log.at(-1)).toBe('ended');
  });

  test('end of input behind a barrier is replayed after the snapshot, and ended() is called once', () => {
    const { aligner, log } = recorder(2);
    aligner.barrier(0, { id: 1 });
    aligner.end(0);
    aligner.end(1);
    expect(log).toEqual(['snapshot 1', 'ended']);
  });

  test('barriers of different checkpoints cannot be mixed', () => {
    const { aligner } = recorder(2);
    aligner.barrier(0, { id: 1 });
    expect(() => aligner.barrier(1, { id: 2 })).toThrow(/while aligning barrier 1/);
  });

  test('many buffered records replay in order', () => {
    const { aligner, log } = recorder(2);
    aligner.barrier(0, { id: 1 });
    for (let i = 0; i < 1000; i++) aligner.record(0, String(i));
    aligner.barrier(1, { id: 1 });
    expect(log.slice(1)).toEqual(Array.from({ length: 1000 }, (_, i) => `0:${i}`));
  });
});
