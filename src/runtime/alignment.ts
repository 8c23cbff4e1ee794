// Barrier alignment for one subtask with n input channels (Chandy–Lamport as in Flink's aligned
// checkpoints). When barrier k arrives on a channel, that channel is blocked: whatever arrives on it
// afterwards is buffered, because it belongs after the snapshot. When every channel that has not ended has
// delivered barrier k, the subtask is aligned: it snapshots (handler.aligned), then the channels are
// unblocked and their buffers replayed in order (a buffered barrier k+1 blocks its channel again).
// An ended channel counts as aligned, so a checkpoint completes after some sources have finished.

export interface Barrier {
  id: number;
}

export interface AlignmentHandler<R> {
  record(channel: number, record: R): void;
  /** Barrier `barrier.id` has arrived on every live channel: snapshot now, before any later record. */
  aligned(barrier: Barrier): void;
  /** Every channel has ended (called once). */
  ended(): void;
}

type Buffered<R> = { kind: 'record'; record: R } | { kind: 'barrier'; barrier: Barrier } | { kind: 'end' };

export class BarrierAligner<R> {
  private readonly blocked: boolean[];
  private readonly ended: boolean[];
  private readonly buffers: Buffered<R>[][];
  /** Read position in each buffer (a queue without O(n) shifts). */
  private readonly heads: number[];
  private blockedCount = 0;
  private endedCount = 0;
  private pending: Barrier | undefined;
  private endSignalled = false;

  constructor(
    readonly channels: number,
    private readonly handler: AlignmentHandler<R>,
  ) {
    if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`a subtask needs at least one input channel, got ${channels}`);
    this.blocked = new Array<boolean>(channels).fill(false);
    this.ended = new Array<boolean>(channels).fill(false);
    this.buffers = Array.from({ length: channels }, () => []);
    this.heads = new Array<number>(channels).fill(0);
  }

  /** The barrier being aligned, if any. */
  get aligning(): Barrier | undefined {
    return this.pending;
  }

  isBlocked(channel: number): boolean {
    return this.blocked[channel];
  }

  bufferedCount(channel: number): number {
    return this.buffers[channel].length - this.heads[channel];
  }

  record(channel: number, record: R): void {
    if (this.blockedCount !== 0 && this.blocked[channel]) this.buffers[channel].push({ kind: 'record', record });
    else this.handler.record(channel, record);
  }

  barrier(channel: number, barrier: Barrier): void {
    if (this.blocked[channel]) this.buffers[channel].push({ kind: 'barrier', barrier });
    else this.onBarrier(channel, barrier);
  }

  end(channel: number): void {
    if (this.blocked[channel]) this.buffers[channel].push({ kind: 'end' });
    else this.onEnd(channel);
  }

  private onBarrier(channel: number, barrier: Barrier): void {
    if (this.ended[channel]) throw new Error(`barrier ${barrier.id} on channel ${channel} after its end of input`);
    if (this.pending === undefined) this.pending = barrier;
    else if (this.pending.id !== barrier.id) throw new Error(`barrier ${barrier.id} on channel ${channel} while aligning barrier ${this.pending.id}`);
    this.blocked[channel] = true;
    this.blockedCount++;
    this.maybeAligned();
  }

  private onEnd(channel: number): void {
    if (this.ended[channel]) return;
    this.ended[channel] = true;
    this.endedCount++;
    this.maybeAligned();
    if (this.endedCount === this.channels && this.pending === undefined && !this.endSignalled) {
      this.endSignalled = true;
      this.handler.ended();
    }
  }

  private maybeAligned(): void {
    const barrier = this.pending;
    if (barrier === undefined || this.blockedCount + this.endedCount < this.channels) return;
    this.pending = undefined;
    this.blocked.fill(false);
    this.blockedCount = 0;
    this.handler.aligned(barrier);
    this.drain();
  }

  private drain(): void {
    for (let channel = 0; channel < this.channels; channel++) {
      const buffer = this.buffers[channel];
      while (!this.blocked[channel] && this.heads[channel] < buffer.length) {
        const item = buffer[this.heads[channel]++];
        if (this.heads[channel] === buffer.length) {
          buffer.length = 0;
          this.heads[channel] = 0;
        }
        if (item.kind === 'record') this.handler.record(channel, item.record);
        else if (item.kind === 'barrier') this.onBarrier(channel, item.barrier);
        else this.onEnd(channel);
      }
    }
  }
}
