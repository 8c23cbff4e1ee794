// Compares the shape of two JSON documents, field by field with JSON types: every field Apache Flink sends must
// be in ours with the same type (ours may carry more). Used by the REST parity tests against real Flink and
// against the responses recorded from it (fixtures/rest/<version>/dashboard/).

export interface ShapeProblem {
  path: string;
  problem: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Keys that are ids (vertex ids, subtask indexes, metric ids), not field names: the object is a map. */
const ID_KEY = /^([0-9a-f]{32}|\d+)$/;
const isMap = (value: Record<string, unknown>) => Object.keys(value).length > 0 && Object.keys(value).every((k) => ID_KEY.test(k));

/** Jackson writes a double NaN or infinity as a string: the field is a number all the same. */
const NUMBER_AS_STRING = new Set(['NaN', 'Infinity', '-Infinity']);

/**
 * The elements of a list as one element: a field every element has is required, a field only some have is
 * optional (e.g. `inputs` of a plan node that is not a source).
 */
function merged(elements: Json[]): { sample: Json; optional: Set<string> } {
  const objects = elements.filter((e): e is { [key: string]: Json } => jsonType(e) === 'object');
  if (objects.length !== elements.length || objects.length === 0) return { sample: elements[0], optional: new Set() };
  const sample: { [key: string]: Json } = {};
  const optional = new Set<string>();
  for (const o of objects) for (const [k, v] of Object.entries(o)) if (!(k in sample) || sample[k] === null) sample[k] = v;
  for (const k of Object.keys(sample)) if (!objects.every((o) => k in o)) optional.add(k);
  return { sample, optional };
}

/**
 * Where `ours` lacks a field of `flink` or has it with another JSON type. A null in Flink's document accepts
 * any value (Flink sends null for what is absent now); an empty list in ours where Flink's has elements is a
 * problem (`empty list`) that callers may accept for an endpoint with a reason. Elements of a list that name
 * their kind (`className`: completed, in_progress, failed) are compared with Flink's elements of that kind.
 */
export function compareShape(flink: unknown, ours: unknown, path = '$', optional: ReadonlySet<string> = new Set()): ShapeProblem[] {
  const f = flink as Json;
  const o = ours as Json;
  const ft = jsonType(f);
  const ot = jsonType(o);
  if (ft === 'null') return [];
  if (ft === 'string' && ot === 'number' && NUMBER_AS_STRING.has(f as string)) return [];
  if (ft !== ot) return [{ path, problem: `type ${ot}, Flink sends ${ft}` }];
  if (ft === 'array') {
    const fa = f as Json[];
    const oa = o as Json[];
    if (fa.length === 0) return [];
    if (oa.length === 0) return [{ path, problem: 'empty list' }];
    return oa.flatMap((element, i) => {
      // Entries of different kinds (a completed and an in-progress checkpoint) are compared with their own kind.
      const kind = (e: Json) => (jsonType(e) === 'object' ? (e as { className?: Json }).className : undefined);
      const same = kind(element) === undefined ? fa : fa.filter((e) => kind(e) === kind(element));
      if (same.length === 0) return [];
      const { sample, optional: opt } = merged(same);
      return compareShape(sample, element, `${path}[${i}]`, opt);
    });
  }
  if (ft === 'object') {
    const fo = f as { [key: string]: Json };
    const oo = o as { [key: string]: Json };
    if (isMap(fo)) {
      const values = Object.values(oo);
      if (values.length === 0) return [{ path, problem: 'empty map' }];
      const { sample, optional: opt } = merged(Object.values(fo));
      return Object.entries(oo).flatMap(([k, v]) => compareShape(sample, v, `${path}.${k}`, opt));
    }
    return Object.keys(fo).flatMap((k) => {
      if (!(k in oo)) return optional.has(k) ? [] : [{ path: `${path}.${k}`, problem: 'missing' }];
      return compareShape(fo[k], oo[k], `${path}.${k}`);
    });
  }
  return [];
}

/**
 * A recorded response made small: lists keep their first three elements (after merging no field is lost
 * that every element has), long strings (stack traces, thread dumps, log lines) their first 120 characters.
 */
export function trimmed(value: unknown): unknown {
  if (Array.isArray(value)) return value.slice(0, 3).map(trimmed);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimmed(v)]));
  if (typeof value === 'string' && value.length > 120 && !NUMBER_AS_STRING.has(value)) return `${value.slice(0, 120)}…`;
  return value;
}
