// What test/flink/job/harness/StateJob.java holds in each key after its EVENTS events, as `flink savepoints
// state --key` prints it (JSON): the same rule the job applies, written again here, so a golden savepoint can
// be checked key by key. Used by the real-Flink suite and by the unit tests of the checked-in golden files.

export const EVENTS = 40;
export const STRING_KEYS = ['user-1', 'user-2', 'user-3', 'ключ-ü', '', 'user-42'];
export const LONG_KEYS = ['1', '42', '-7', '1000000000000', '9007199254740993', '0'];
export const TIMER_AT = 4_102_444_800_000;
export const OPERATORS = { 'by-string': { keys: STRING_KEYS, maxParallelism: 128 }, 'by-long': { keys: LONG_KEYS, maxParallelism: 256 } } as const;
export type StateJobOperator = keyof typeof OPERATORS;
/** The states every key holds (timers aside). */
export const STATE_NAMES = ['count', 'last', 'per-kind', 'history', 'profile', 'basket', 'sum', 'average', 'ttl-count', 'row', 'opaque', 'avro'];

const TIERS = ['BRONZE', 'SILVER', 'GOLD'];
const KINDS = ['a', 'b', 'c'];

/** Java's (short) and (byte) casts. */
const toShort = (n: number) => (n << 16) >> 16;
const toByte = (n: number) => (n << 24) >> 24;

/**
 * The decoded value of each state of the key at `index` (0..5). `flink2` selects what differs between the
 * major versions: a POJO's List and Map fields are Flink's own collection serializers in 2.x, Kryo in 1.x.
 * Kryo values and the TTL timestamp (wall clock) are checked by shape by the callers, so they are left out here.
 */
export function expectedValues(operator: StateJobOperator, index: number, flink2: boolean): Record<string, unknown> {
  const name = OPERATORS[operator].keys[index];
  const events: number[] = [];
  for (let i = index; i < EVENTS; i += 6) events.push(i);
  const n = events.length;
  const last = events[n - 1];
  const sum = events.reduce((a, b) => a + b, 0);
  const perKind: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const i of events) {
    const kind = KINDS[i % 3];
    perKind[kind] = (perKind[kind] ?? 0) + i;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  const history = events.map((i) => `e${i}`);
  const values: Record<string, unknown> = {
    count: n,
    last: `e${last}`,
    'per-kind': perKind,
    history,
    sum,
    average: { f0: sum, f1: n },
    row: { kind: '+I', fields: [last, `row-${n}`, n % 2 === 0] },
    avro: { key: name, count: n, big: (9007199254740993n + BigInt(n)).toString(), events: history, half: n % 2 === 0 ? null : sum / 2 },
    profile: {
      active: n % 2 === 1,
      address: { city: `City ${n}`, zip: 10000 + n },
      initial: name === '' ? '?' : name[0],
      labels: [`L${n}`, null],
      maybe: n % 2 === 0 ? null : n,
      name,
      ratio: n / 2,
      raw: [toByte(n), -1],
      recent: [last - 1, last],
      score: sum / 4,
      small: toShort(n * -3),
      tier: TIERS[n % 3],
      tiny: toByte(n + 100),
      total: sum,
      visits: n,
    },
  };
  if (flink2) values.basket = { counts, items: history };
  return values;
}

/** Flink's key group of a key: murmur hash of its Java hashCode, modulo the max parallelism. */
export function flinkKeyGroup(operator: StateJobOperator, key: string): number {
  const hash = operator === 'by-string' ? javaStringHash(key) : javaLongHash(BigInt(key));
  return murmur(hash) % OPERATORS[operator].maxParallelism;
}

function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

function javaLongHash(v: bigint): number {
  const u = BigInt.asUintN(64, v);
  return Number(BigInt.asIntN(32, (u ^ (u >> 32n)) & 0xffffffffn));
}

function murmur(code: number): number {
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
  code = Math.imul(code, 0xcc9e2d51);
  code = rotl(code, 15);
  code = Math.imul(code, 0x1b873593);
  code = rotl(code, 13);
  code = (Math.imul(code, 5) + 0xe6546b64) | 0;
  code ^= 4;
  code ^= code >>> 16;
  code = Math.imul(code, 0x85ebca6b);
  code ^= code >>> 13;
  code = Math.imul(code, 0xc2b2ae35);
  code ^= code >>> 16;
  if (code >= 0) return code;
  return code !== -0x80000000 ? -code : 0;
}
