// The key-group framing of canonical keyed-state files and Snappy's framing format, on files written by the
// test writer from the format: end-of-key-group marks, state switches, one- or two-byte key-group prefixes,
// chunks cut anywhere, and clear errors for truncated or corrupt input.
import { describe, expect, it } from '@jest/globals';
import snappy from 'snappyjs';
import { KeyedStateError } from '../../../src/storage/keyed-state/data-reader.js';
import { EntryFramer, keyGroupOf, keyGroupPrefixBytes, type EntrySink } from '../../../src/storage/keyed-state/framing.js';
import { readHeader } from '../../../src/storage/keyed-state/header.js';
import { lookupKey, summarizeOperator } from '../../../src/storage/keyed-state/reader.js';
import { SnappyFrameDecoder } from '../../../src/storage/keyed-state/snappy-frames.js';
import { StoreCache } from '../../../src/storage/keyed-state/source.js';
import type { OperatorState } from '../../../src/storage/flink-metadata/types.js';
import {
  DataWriter,
  header,
  keyedFile,
  simple,
  SIMPLE,
  snappyFramed,
  versioned,
  inlineKeyedOperator,
  type TestEntry,
} from '../../support/keyed-state-writer.js';

const states = [
  { name: 'count', kind: 'VALUE', serializers: { NAMESPACE_SERIALIZER: simple(SIMPLE.void), VALUE_SERIALIZER: simple(SIMPLE.long) } },
  { name: 'last', kind: 'VALUE', serializers: { NAMESPACE_SERIALIZER: simple(SIMPLE.void), VALUE_SERIALIZER: simple(SIMPLE.string) } },
];
const key = (s: string) => Buffer.concat([new DataWriter().str(s).done(), Buffer.from([0])]);
const long = (n: number) => new DataWriter().i64(n).done();

interface Seen {
  stateId: number;
  group: number;
  key: string;
  value: string;
}

function collect(prefixBytes: number): { sink: EntrySink; seen: Seen[]; ends: number[] } {
  const seen: Seen[] = [];
  const ends: number[] = [];
  return {
    seen,
    ends,
    sink: {
      entry: (stateId, buf, ks, kl, vs, vl) =>
        seen.push({
          stateId,
          group: keyGroupOf(buf, ks, prefixBytes),
          key: buf.subarray(ks, ks + kl).toString('hex'),
          value: buf.subarray(vs, vs + vl).toString('hex'),
        }),
      endKeyGroup: () => ends.push(seen.length),
    },
  };
}

function sample(maxParallelism: number): { bytes: Buffer; dataStart: number; groups: Array<{ group: number; entries: TestEntry[] }> } {
  const h = header(simple(SIMPLE.string), states);
  const groups = [
    {
      group: 3,
      entries: [
        { stateId: 0, key: key('a'), value: long(1) },
        { stateId: 0, key: key('b'), value: long(2) },
        { stateId: 1, key: key('a'), value: new DataWriter().str('x').done() },
      ],
    },
    { group: maxParallelism - 1, entries: [{ stateId: 1, key: key('z'), value: new DataWriter().str('last').done() }] },
  ];
  const { bytes } = keyedFile(h, groups, { maxParallelism });
  return { bytes, dataStart: h.length, groups };
}

describe('key-group framing', () => {
  it.each([128, 129, 32768])(
    'max parallelism %i: the key-group prefix (1 byte up to 128, else 2), state switches and end marks, whole or a byte at a time',
    (maxParallelism) => {
      const prefix = keyGroupPrefixBytes(maxParallelism);
      expect(prefix).toBe(maxParallelism > 128 ? 2 : 1);
      const { bytes, dataStart, groups } = sample(maxParallelism);
      for (const step of [bytes.length, 1, 7]) {
        const copy = Buffer.from(bytes); // the framer clears flag bits in place
        const { sink, seen, ends } = collect(prefix);
        const framer = new EntryFramer(sink, 2, dataStart);
        for (let i = dataStart; i < copy.length; i += step) framer.push(copy.subarray(i, Math.min(copy.length, i + step)));
        framer.end();
        expect(ends).toEqual([3, 4]);
        expect(seen.map((s) => [s.stateId, s.group])).toEqual([
          [0, 3],
          [0, 3],
          [1, 3],
          [1, maxParallelism - 1],
        ]);
        // The flag bit is cleared: key bytes are the prefix and the key as written.
        const prefixHex = (g: number) => (prefix === 1 ? Buffer.from([g]) : Buffer.from([g >> 8, g & 0xff])).toString('hex');
        expect(seen[2].key).toBe(prefixHex(3) + groups[0].entries[2].key.toString('hex'));
        expect(seen[3].value).toBe(groups[1].entries[0].value.toString('hex'));
      }
    },
  );

  it('a stream cut inside a key group is truncated; a state id beyond the header is corrupt', () => {
    const { bytes, dataStart } = sample(128);
    const cut = new EntryFramer(collect(1).sink, 2, dataStart);
    cut.push(Buffer.from(bytes.subarray(dataStart, bytes.length - 3)));
    expect(() => cut.end()).toThrow(/truncated: the key group in progress .* has no end mark/);
    const bad = Buffer.from(bytes);
    bad.writeUInt16BE(9, dataStart);
    expect(() => new EntryFramer(collect(1).sink, 2, dataStart).push(bad.subarray(dataStart))).toThrow(
      new KeyedStateError(`corrupt: state id 9 at byte ${dataStart}, but the header names 2 states`),
    );
    const negative = Buffer.from(bytes);
    negative.writeInt32BE(-5, dataStart + 2);
    expect(() => new EntryFramer(collect(1).sink, 2, dataStart).push(negative.subarray(dataStart))).toThrow(/corrupt: key length -5/);
  });

  it('reads the header back: version, compression flag, key serializer, states by id', () => {
    const h = readHeader(header(simple(SIMPLE.string), states, true));
    expect(h).toMatchObject({ version: 6, compressed: true, keySerializer: { kind: 'string' }, assumed: [] });
    expect(h.states.map((s) => [s.id, s.name, s.kind, s.serializers.VALUE_SERIALIZER.kind])).toEqual([
      [0, 'count', 'VALUE', 'long'],
      [1, 'last', 'VALUE', 'string'],
    ]);
    expect(() => readHeader(new DataWriter().i32(5).done())).toThrow(/header version 5/);
  });
});

describe('Snappy frames', () => {
  it('decodes compressed and uncompressed chunks of consecutive streams, skips padding, in any chunking', () => {
    const a = Buffer.from('first key group '.repeat(5000));
    const b = Buffer.from('second');
    const raw = Buffer.concat([Buffer.from([1, 10, 0, 0, 0, 0, 0, 0]), Buffer.from('plain!')]);
    const padding = Buffer.from([0xfe, 3, 0, 0, 9, 9, 9]);
    const input = Buffer.concat([snappyFramed(a), padding, snappyFramed(b), raw]);
    for (const step of [input.length, 1, 1000]) {
      const out: Buffer[] = [];
      const decoder = new SnappyFrameDecoder((p) => out.push(Buffer.from(p)));
      for (let i = 0; i < input.length; i += step) decoder.push(input.subarray(i, i + step));
      decoder.end();
      expect(Buffer.concat(out).toString()).toBe(a.toString() + 'second' + 'plain!');
    }
  });

  it('rejects a bad stream identifier, a reserved chunk type, an undecodable block and a cut-off chunk', () => {
    const decode = (b: Buffer) => {
      const d = new SnappyFrameDecoder(() => {});
      d.push(b);
      d.end();
    };
    expect(() => decode(Buffer.from([0xff, 6, 0, 0, ...Buffer.from('sNaPpX')]))).toThrow(/not a Snappy stream identifier at byte 0/);
    expect(() => decode(Buffer.from([0x02, 0, 0, 0]))).toThrow(/reserved Snappy chunk type 0x2/);
    expect(() => decode(Buffer.from([0x00, 6, 0, 0, 0, 0, 0, 0, 0xff, 0xff]))).toThrow(/does not decompress/);
    expect(() => decode(snappyFramed(Buffer.from('hello')).subarray(0, 14))).toThrow(/truncated: a Snappy chunk at byte 10 is cut off/);
    expect(Buffer.from(snappy.uncompress(snappy.compress(Buffer.from('x'))))).toEqual(Buffer.from('x'));
  });

  it('a compressed keyed-state file frames the same entries as the plain one', () => {
    const h = header(simple(SIMPLE.string), states, true);
    const groups = sample(128).groups;
    const plain = keyedFile(h, groups, { maxParallelism: 128 });
    const compressed = keyedFile(h, groups, { maxParallelism: 128, compressed: true });
    const frame = (bytes: Buffer, snappyOn: boolean) => {
      const { sink, seen } = collect(1);
      const framer = new EntryFramer(sink, 2, h.length);
      const decoder = new SnappyFrameDecoder((p) => framer.push(Buffer.from(p)));
      (snappyOn ? decoder : framer).push(Buffer.from(bytes.subarray(h.length)));
      decoder.end();
      framer.end();
      return seen;
    };
    expect(frame(compressed.bytes, true)).toEqual(frame(plain.bytes, false));
    expect(compressed.offsets.filter((o) => o > 0)).toHaveLength(2);
  });
});

describe('reading a state file through its handle', () => {
  const op = (bytes: Buffer, offsets: number[]): OperatorState => inlineKeyedOperator({ bytes, offsets }, 128);
  const stores = new StoreCache({ s3: { pathStyle: false }, azure: { accountKey: () => undefined } });

  it('inlined state (a byte-stream handle in _metadata) is read like a file; --key reads only its key group', async () => {
    const { bytes, offsets } = keyedFile(header(simple(SIMPLE.string), states), sample(128).groups, { maxParallelism: 128 });
    const report = await summarizeOperator(op(bytes, offsets), stores);
    expect(report.problems).toEqual([]);
    expect(report.states.map((s) => [s.name, s.keys, s.entries, s.keyGroupsUsed])).toEqual([
      ['count', 2, 2, 1],
      ['last', 2, 2, 2],
    ]);
    const found = await lookupKey(op(Buffer.from(bytes), offsets), stores, 'a');
    expect(found.found.map((f) => [f.state, f.value])).toEqual([]); // 'a' hashes to another key group than 3: not read
  });

  it('an unknown serializer with data of its own: entries still counted by state id, the problem named', async () => {
    const custom = versioned('com.acme.OddSerializer$OddSnapshot', 1, new DataWriter().i32(42).done());
    const odd = [states[0], { name: 'odd', kind: 'VALUE', serializers: { NAMESPACE_SERIALIZER: simple(SIMPLE.void), VALUE_SERIALIZER: custom } }];
    const { bytes, offsets } = keyedFile(header(simple(SIMPLE.string), odd), sample(128).groups, { maxParallelism: 128 });
    const report = await summarizeOperator(op(bytes, offsets), stores);
    expect(report.states.map((s) => [s.name, s.entries])).toEqual([
      ['count', 2],
      ['odd', 2],
    ]);
    // Its data was taken for none: the header then ends 4 bytes before the key groups, which gives it away.
    const start = offsets.find((o) => o > 0)!;
    expect(report.problems).toEqual([
      `inline state 'inline': the header reads to byte ${start - 4} but key groups start at byte ${start} (read by shape: com.acme.OddSerializer$OddSnapshot)`,
    ]);
  });
});
