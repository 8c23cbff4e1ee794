import { describe, expect, it } from '@jest/globals';
import { flattenObject, parseLegacyFlinkConf, parseStandardYaml } from '../../../src/config/parse.js';

describe('config.yaml (standard YAML)', () => {
  it('flattens nested maps with dots and records the line of each key', () => {
    const entries = parseStandardYaml('rest:\n  port: 8081\nexecution:\n  checkpointing:\n    savepoint-dir: /sp\n', 'c.yaml');
    expect(entries).toEqual([
      { key: 'rest.port', value: '8081', origin: { kind: 'file', file: 'c.yaml', line: 2 } },
      { key: 'execution.checkpointing.savepoint-dir', value: '/sp', origin: { kind: 'file', file: 'c.yaml', line: 5 } },
    ]);
  });

  it('accepts flat dotted keys, and nested and flat spellings are the same key', () => {
    const flat = parseStandardYaml('execution.checkpointing.savepoint-dir: /sp\n', 'f');
    const nested = parseStandardYaml('execution:\n  checkpointing:\n    savepoint-dir: /sp\n', 'n');
    expect(flat.map((e) => [e.key, e.value])).toEqual(nested.map((e) => [e.key, e.value]));
  });

  it('treats null values as unset and joins lists with ;', () => {
    const entries = parseStandardYaml('a: ~\nb: null\nc: [x, y]\n', 'f');
    expect(entries.map((e) => [e.key, e.value])).toEqual([['c', 'x;y']]);
  });

  it('keeps # inside values that are not preceded by whitespace', () => {
    expect(parseStandardYaml('a: x#y # comment\n', 'f')[0].value).toBe('x#y');
  });

  it('rejects malformed YAML naming file and line', () => {
    expect(() => parseStandardYaml('rest:\n  port: 8081\n address: x\n', 'bad.yaml')).toThrow(/^Malformed YAML in bad\.yaml:3: /);
  });

  it('rejects a duplicate key, also when one spelling is nested and one flat', () => {
    expect(() => parseStandardYaml('a.b: 1\na:\n  b: 2\n', 'dup.yaml')).toThrow("Malformed configuration in dup.yaml:3: key 'a.b' is also set at line 1");
    expect(() => parseStandardYaml('a: 1\nb: 2\na: 3\n', 'dup.yaml')).toThrow(/dup\.yaml:3/);
  });

  it('reads only the subtree under a top-level key (package.json "flink")', () => {
    const text = '{\n  "name": "x",\n  "flink": {\n    "rest.port": 1,\n    "state": {"savepoints": {"dir": "/sp"}}\n  }\n}\n';
    const entries = parseStandardYaml(text, 'package.json', { under: 'flink' });
    expect(entries).toEqual([
      { key: 'rest.port', value: '1', origin: { kind: 'file', file: 'package.json', line: 4 } },
      { key: 'state.savepoints.dir', value: '/sp', origin: { kind: 'file', file: 'package.json', line: 5 } },
    ]);
  });

  it('an empty file has no entries; a scalar document is an error', () => {
    expect(parseStandardYaml('', 'e')).toEqual([]);
    expect(parseStandardYaml('# only a comment\n', 'e')).toEqual([]);
    expect(() => parseStandardYaml('just a string\n', 's.yaml')).toThrow('Malformed configuration in s.yaml:1: expected a map of keys to values');
  });
});

describe('flink-conf.yaml (legacy line format)', () => {
  it('splits at the first ": ", strips comments anywhere, last duplicate wins', () => {
    const text = 'rest.port: 1 # comment\nenv.java.opts: -Da=b: c\n# full comment\n\nrest.port: 2\nurl: http://x#frag\n';
    const { entries, warnings } = parseLegacyFlinkConf(text, 'flink-conf.yaml');
    expect(entries.map((e) => [e.key, e.value, (e.origin as { line: number }).line])).toEqual([
      ['rest.port', '1', 1],
      ['env.java.opts', '-Da=b: c', 2],
      ['rest.port', '2', 5],
      ['url', 'http://x', 6],
    ]);
    expect(warnings).toEqual([]);
  });

  it('skips lines without a separator or with an empty value, with a warning naming the line', () => {
    const { entries, warnings } = parseLegacyFlinkConf('no separator here\nkey:value\nempty: \nok: yes\n', 'f.yaml');
    expect(entries.map((e) => e.key)).toEqual(['ok']);
    expect(warnings).toEqual([
      "f.yaml:1: line skipped, expected 'key: value'",
      "f.yaml:2: line skipped, expected 'key: value'",
      "f.yaml:3: line skipped, expected 'key: value'",
    ]);
  });
});

describe('loaded objects (package.json key, flink.config.js)', () => {
  it('flattens like YAML', () => {
    expect(flattenObject({ rest: { port: 1 }, 'state.savepoints.dir': '/sp', list: ['a', 'b'] }, 'x.js').map((e) => [e.key, e.value])).toEqual([
      ['rest.port', '1'],
      ['state.savepoints.dir', '/sp'],
      ['list', 'a;b'],
    ]);
  });
});
