// The object-store adapters behind a fault-injecting proxy (test/support/fault-proxy.ts) in front of S3Mock and
// Azurite: every operation meets every fault that can hit it, at the start, the middle and the end of its bytes,
// and must come back with the answer it gives without faults (the same bytes, the whole listing, the object
// stored, every key deleted). What cannot succeed (throttling that does not end) is one line naming the URI, the
// action and the attempts. A create-only-if-absent write whose answer was lost after it was stored is not
// mistaken for someone else's object.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { resolveConfig } from '../../../src/config/resolve.js';
import { storageSettings } from '../../../src/config/storage.js';
import { StorageObjectExistsError, StorageRequestError } from '../../../src/domain/errors.js';
import { listAll, openStore, type ObjectStore } from '../../../src/storage/object-store.js';
import { isBatchDelete, scriptedSchedule, startFaultProxy, type FaultKind, type FaultProxy, type RequestInfo } from '../../support/fault-proxy.js';
import { azureConfigLines, freshBucket, freshContainer, s3ConfigLines, startAzurite, startS3Mock, type RunningServer } from '../../support/object-stores.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const settingsOf = (lines: string[]) =>
  storageSettings(
    resolveConfig({
      loaded: { source: 'none', files: [], entries: [], warnings: [] },
      dynamic: lines.map((line) => line.replace(/^([^:]+): /, '$1=')),
    }),
  );
/** Short pauses: the tests wait for nothing but the retries themselves. */
const FAST_RETRIES = ['s3.retry.interval: 5 ms', 'fs.azure.io.retry.backoff.interval: 5 ms'];

interface Flavour {
  name: string;
  kind: 's3' | 'azure';
  server?: RunningServer;
  proxy?: FaultProxy;
  /** Through the proxy, and straight to the server (to set up and to check). */
  faulty?: ObjectStore;
  direct?: ObjectStore;
}

const flavours: Flavour[] = [
  { name: 'S3 (S3Mock)', kind: 's3' },
  { name: 'Azure Blob (Azurite)', kind: 'azure' },
];
let counter = 0;

async function open(flavour: Flavour, endpoint: string, root: string, extra: string[] = FAST_RETRIES): Promise<ObjectStore> {
  const keys = flavour.kind === 's3' ? s3ConfigLines(endpoint) : azureConfigLines(endpoint);
  return openStore(`${root}/`, settingsOf([...keys, ...extra]));
}

beforeAll(async () => {
  const started = await Promise.allSettled([startS3Mock(), startAzurite()]);
  started.forEach((r, i) => {
    if (r.status === 'fulfilled') flavours[i].server = r.value;
  });
  for (const r of started) if (r.status === 'rejected') throw r.reason;
  for (const flavour of flavours) {
    const endpoint = flavour.server!.endpoint;
    flavour.proxy = await startFaultProxy(endpoint, flavour.kind);
    const name = `faults-${Date.now().toString(36)}-${++counter}`;
    const root = flavour.kind === 's3' ? await freshBucket(endpoint, name) : await freshContainer(endpoint, name);
    flavour.faulty = await open(flavour, flavour.proxy.endpoint, root);
    flavour.direct = await open(flavour, endpoint, root);
  }
}, 240_000);
afterAll(async () => {
  for (const flavour of flavours) {
    flavour.faulty?.close();
    flavour.direct?.close();
    await flavour.proxy?.close();
  }
  await Promise.all(flavours.map((f) => f.server?.stop()));
}, 60_000);

/** Bytes that differ at every position, so a part of them never passes for the whole. */
const pattern = (size: number, seed: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) % 251));

const isList = (r: RequestInfo) => r.method === 'GET' && /[?&](list-type=2|comp=list)/.test(r.url);
const isObjectGet = (r: RequestInfo) => r.method === 'GET' && !isList(r);

interface Operation {
  name: string;
  /** The first request of the operation the fault is aimed at. */
  target: (r: RequestInfo) => boolean;
  /** The faults that can hit that request (a well-framed truncated body only where it is a page or a batch answer). */
  kinds: readonly FaultKind[];
  /** Sets up (straight to the server), runs the operation through the proxy, checks its result. */
  run(flavour: Flavour, id: string): Promise<void>;
}

const operations: Operation[] = [
  {
    name: 'read (whole and a range)',
    target: isObjectGet,
    kinds: ['busy', 'reset-request', 'reset-response'],
    async run({ faulty, direct }, id) {
      const bytes = pattern(100_000, id.length);
      await direct!.write(`read/${id}`, bytes);
      expect((await faulty!.read(`read/${id}`)).equals(bytes)).toBe(true);
      expect((await faulty!.read(`read/${id}`, { offset: 1000, length: 5000 })).equals(bytes.subarray(1000, 6000))).toBe(true);
    },
  },
  {
    name: 'stat',
    target: (r) => r.method === 'HEAD',
    kinds: ['busy', 'reset-request', 'reset-response'],
    async run({ faulty, direct }, id) {
      await direct!.write(`stat/${id}`, pattern(1234, 1));
      expect(await faulty!.stat(`stat/${id}`)).toMatchObject({ size: 1234 });
    },
  },
  {
    name: 'list (every page, with and without a delimiter)',
    target: isList,
    kinds: ['busy', 'reset-request', 'reset-response', 'truncate'],
    async run({ faulty, direct }, id) {
      const keys = Array.from({ length: 12 }, (_, i) => `list/${id}/${i % 4}/k${String(i).padStart(3, '0')}`).sort();
      await Promise.all(keys.map((k) => direct!.write(k, 'x')));
      const listed: string[] = [];
      for await (const page of listAll(faulty!, `list/${id}/`, { pageSize: 5 })) listed.push(...page.objects.map((o) => o.key));
      expect(listed).toEqual(keys);
      const prefixes: string[] = [];
      for await (const page of listAll(faulty!, `list/${id}/`, { delimiter: '/', pageSize: 2 })) prefixes.push(...page.prefixes);
      expect(prefixes).toEqual([0, 1, 2, 3].map((n) => `list/${id}/${n}/`));
    },
  },
  {
    name: 'write (overwrite)',
    target: (r) => r.method === 'PUT',
    kinds: ['busy', 'reset-request', 'reset-upload', 'reset-response'],
    async run({ faulty, direct }, id) {
      const bytes = pattern(200_000, 7);
      await faulty!.write(`write/${id}`, bytes);
      expect((await direct!.read(`write/${id}`)).equals(bytes)).toBe(true);
    },
  },
  {
    name: 'write create-only-if-absent',
    target: (r) => r.method === 'PUT',
    kinds: ['busy', 'reset-request', 'reset-upload', 'reset-response'],
    async run({ faulty, direct }, id) {
      const bytes = pattern(200_000, 9);
      await faulty!.write(`create/${id}`, bytes, { ifAbsent: true });
      expect((await direct!.read(`create/${id}`)).equals(bytes)).toBe(true);
      // Still create-only: a second create of the key (another writer) is refused.
      await expect(faulty!.write(`create/${id}`, 'other', { ifAbsent: true })).rejects.toBeInstanceOf(StorageObjectExistsError);
    },
  },
  {
    name: 'deleteMany',
    target: isBatchDelete,
    kinds: ['busy', 'reset-request', 'reset-upload', 'reset-response', 'truncate', 'partial-batch'],
    async run({ faulty, direct }, id) {
      const keys = Array.from({ length: 6 }, (_, i) => `delete/${id}/k${i}`);
      await Promise.all(keys.map((k) => direct!.write(k, 'x')));
      await faulty!.deleteMany(keys);
      const left: string[] = [];
      for await (const page of listAll(direct!, `delete/${id}/`)) left.push(...page.objects.map((o) => o.key));
      expect(left).toEqual([]);
    },
  },
];

const AT = [0.05, 0.5, 0.95];
/** Every fault this suite injected, and those the client recovered from by repeating the request (for the README's figures). */
const tally = { injected: 0, retried: 0 };

describe.each(flavours)('$name behind a fault-injecting proxy', (flavour) => {
  describe.each(operations)('$name', (operation) => {
    const cases = operation.kinds.flatMap((kind) => AT.map((at) => ({ kind, at })));
    it.each(cases)('survives $kind at $at of its bytes', async ({ kind, at }) => {
      const proxy = flavour.proxy!;
      const before = { injected: proxy.log.filter((e) => e.fault).length, retried: proxy.retried() };
      proxy.schedule(scriptedSchedule(kind, operation.target, 1, at));
      try {
        await operation.run(flavour, `${kind}-${at}-${++counter}`);
      } finally {
        proxy.schedule(undefined);
      }
      const injected = proxy.log.filter((e) => e.fault).length - before.injected;
      expect(injected).toBe(1);
      tally.injected += injected;
      tally.retried += proxy.retried() - before.retried;
    });
  });

  it("a create-only-if-absent write whose answer is lost after it was stored is the writer's own: success, one object, written once", async () => {
    const proxy = flavour.proxy!;
    proxy.schedule(scriptedSchedule('reset-response', (r) => r.method === 'PUT', 1, 0.05)); // before the status line
    const bytes = pattern(50_000, 3);
    const first = proxy.log.length;
    try {
      await flavour.faulty!.write(`lost/${++counter}`, bytes, { ifAbsent: true });
    } finally {
      proxy.schedule(undefined);
    }
    const puts = proxy.log.slice(first).filter((e) => e.method === 'PUT');
    expect(puts).toHaveLength(2); // stored by the first; the repeat found it there and is recognised as the same write
    expect(puts[0].fault).toBe('reset-response');
  });

  it('throttling that does not end: one line naming the URI, the action and the attempts; a refusal is never repeated', async () => {
    const proxy = flavour.proxy!;
    const root = flavour.direct!.base.replace(/\/$/, '');
    const limited = await open(flavour, proxy.endpoint, root, [...FAST_RETRIES, 's3.retry.limit: 2', 'fs.azure.io.retry.max.retries: 2']);
    await flavour.direct!.write('busy/object', 'x');
    proxy.schedule(() => ({ kind: 'busy', at: 0 }));
    const first = proxy.log.length;
    let error: unknown;
    try {
      error = await limited.read('busy/object').catch((e: unknown) => e);
    } finally {
      proxy.schedule(undefined);
      limited.close();
    }
    expect(error).toBeInstanceOf(StorageRequestError);
    const message = (error as Error).message;
    expect(message).toContain(`Failed reading ${root}/busy/object: `);
    expect(message).toMatch(flavour.kind === 's3' ? /SlowDown/ : /ServerBusy/);
    expect(message).toContain('gave up after 3 attempts');
    expect(message).not.toContain('\n');
    expect(proxy.log.length - first).toBe(3);

    // A create that finds someone else's object is answered once, never repeated.
    const before = proxy.log.length;
    await expect(flavour.faulty!.write('busy/object', 'y', { ifAbsent: true })).rejects.toBeInstanceOf(StorageObjectExistsError);
    expect(proxy.log.slice(before).filter((e) => e.method === 'PUT')).toHaveLength(1);
  });

  it('with retries off (limit 0) a fault is reported at once', async () => {
    const proxy = flavour.proxy!;
    const root = flavour.direct!.base.replace(/\/$/, '');
    const none = await open(flavour, proxy.endpoint, root, ['s3.retry.limit: 0', 'fs.azure.io.retry.max.retries: 0']);
    proxy.schedule(scriptedSchedule('busy', isList, 1));
    const first = proxy.log.length;
    try {
      await expect(none.list('')).rejects.toBeInstanceOf(StorageRequestError);
    } finally {
      proxy.schedule(undefined);
      none.close();
    }
    expect(proxy.log.length - first).toBe(1);
  });
});

afterAll(() => {
  // The figures of this run, for the README's reliability section (jest shows them with --verbose).
  process.stdout.write(`object-store faults: ${tally.injected} injected, ${tally.retried} recovered by repeating the request\n`);
});
