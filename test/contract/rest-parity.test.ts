// The local coordinator against the responses real Apache Flink clusters gave to every GET endpoint Flink's web
// dashboard calls (fixtures/rest/<version>/dashboard/, recorded by the real-Flink suite's REST parity test with
// RECORD_FIXTURES=1): with a keyed counter job checkpointing, every field Flink sends is in ours with the same
// JSON type, so Flink's dashboard, exporters and scripts find what they read. No JVM needed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import AjvModule from 'ajv';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { startLocalCluster, type LocalCluster } from '../support/local-cluster.js';
import { captureAll, parityEndpoints, parityProblems, PARITY_ENDPOINTS, type Captured } from '../support/rest-parity.js';
import { compareShape } from '../support/rest-shape.js';

const ROOT = path.resolve('fixtures/rest');
const versions = readdirSync(ROOT).filter((v) => existsSync(path.join(ROOT, v, 'dashboard')));

function recorded(version: string): Record<string, Captured> {
  const dir = path.join(ROOT, version, 'dashboard');
  return Object.fromEntries(readdirSync(dir).map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Captured]));
}

let local: LocalCluster;
let ours: Record<string, Captured>;

beforeAll(async () => {
  local = await startLocalCluster();
  ours = await captureAll(local.url, await local.startCounter());
}, 90_000);
afterAll(() => local?.close());

it('recordings of Flink 1.20 and 2.3 cover every endpoint of the list that version serves', () => {
  expect(versions.some((v) => v.startsWith('1.20'))).toBe(true);
  expect(versions.some((v) => v.startsWith('2.3'))).toBe(true);
  for (const version of versions)
    expect([version, Object.keys(recorded(version)).sort()]).toEqual([
      version,
      parityEndpoints(version)
        .map((e) => e.name)
        .sort(),
    ]);
  // Every endpoint of the list is recorded from some version: none goes unchecked.
  expect(new Set(versions.flatMap((v) => Object.keys(recorded(v))))).toEqual(new Set(PARITY_ENDPOINTS.map((e) => e.name)));
});

// ajv is CommonJS; its default export is the class.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
const ajv = new (Ajv as unknown as new (options: object) => import('ajv').default)({ strict: false, allErrors: true });
const openapi = parse(readFileSync('src/rest-api/openapi.yaml', 'utf8')) as { paths: Record<string, { get?: { responses: Record<string, unknown> } }> };
ajv.addSchema(openapi, 'openapi');

it('every answer is described by the OpenAPI document (src/rest-api/openapi.yaml)', () => {
  const template = {
    jobId: '{jobid}',
    vertexId: '{vertexid}',
    checkpointId: '{checkpointid}',
    taskManagerId: '{taskmanagerid}',
    logName: '{name}',
    applicationId: '{applicationid}',
  };
  for (const endpoint of PARITY_ENDPOINTS) {
    const pathname = endpoint.path(template as never).replace(/\?.*$/, '');
    const responses = openapi.paths[pathname]?.get?.responses;
    expect([endpoint.name, responses === undefined]).toEqual([endpoint.name, false]);
    if (endpoint.text) {
      expect([endpoint.name, ours[endpoint.name].contentType]).toEqual([endpoint.name, 'text/plain']);
      continue;
    }
    const pointer = `openapi#/paths/${encodeURIComponent(pathname.replace(/~/g, '~0').replace(/\//g, '~1'))}/get/responses/200/content/application~1json/schema`;
    const validate = ajv.compile({ $ref: pointer });
    const valid = validate(ours[endpoint.name].body);
    expect([endpoint.name, valid ? [] : validate.errors]).toEqual([endpoint.name, []]);
  }
});

describe.each(versions)('Flink %s', (version) => {
  it("every endpoint answers with Flink's status and every field Flink sends, with its JSON type", () => {
    expect(parityProblems(recorded(version), ours, version)).toEqual(Object.fromEntries(parityEndpoints(version).map((e) => [e.name, []])));
  });
});

describe('the comparison itself', () => {
  it('finds a missing field, a wrong type, an empty list and a missing map entry shape', () => {
    const flink = { a: 1, b: { c: 'x' }, list: [{ id: 'm', value: '1' }], tasks: { ['f'.repeat(32)]: { n: 1 } } };
    expect(compareShape(flink, { a: 1, b: { c: 'x' }, list: [{ id: 'm', value: '1' }], tasks: { ['e'.repeat(32)]: { n: 2 } } })).toEqual([]);
    expect(compareShape(flink, { a: '1', b: {}, list: [], tasks: { ['e'.repeat(32)]: {} } })).toEqual([
      { path: '$.a', problem: 'type string, Flink sends number' },
      { path: '$.b.c', problem: 'missing' },
      { path: '$.list', problem: 'empty list' },
      { path: `$.tasks.${'e'.repeat(32)}.n`, problem: 'missing' },
    ]);
  });

  it("accepts a field only some of Flink's list elements have, Flink's null, and a NaN Flink sends as a string", () => {
    const flink = { nodes: [{ id: 'a', inputs: [{ id: 'b' }] }, { id: 'b' }], failed: null, p50: 'NaN' };
    expect(compareShape(flink, { nodes: [{ id: 'x' }], failed: { id: 1 }, p50: 12.5 })).toEqual([]);
    expect(compareShape(flink, { nodes: [{ inputs: [{ id: 'c' }] }], failed: null, p50: 1 })).toEqual([{ path: '$.nodes[0].id', problem: 'missing' }]);
  });
});
