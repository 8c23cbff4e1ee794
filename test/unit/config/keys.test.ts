import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { KEYS } from '../../../src/config/keys.js';
import { parseLegacyFlinkConf, parseStandardYaml } from '../../../src/config/parse.js';

describe('flink-conf.example.yaml', () => {
  const text = readFileSync('flink-conf.example.yaml', 'utf8');

  it('documents every key the tool reads, with every alias', () => {
    for (const spec of KEYS) {
      for (const name of [spec.key, ...(spec.aliases ?? []), ...(spec.deprecated ?? [])]) expect(text).toContain(name);
    }
  });

  it('documents each default', () => {
    for (const spec of KEYS) if (spec.default !== undefined && spec.default !== '') expect(text).toContain(`${spec.key}: ${spec.default}`);
  });

  it('uncommented, it is valid as config.yaml and as flink-conf.yaml', () => {
    const uncommented = text
      .split('\n')
      .filter((l) => /^# [a-z][\w.-]+: /.test(l))
      .map((l) => l.slice(2).replace(/\s+#.*$/, ''))
      .filter((l) => !/:\s*$/.test(l)) // keys shown without a value
      .join('\n');
    const standard = parseStandardYaml(
      uncommented
        .split('\n')
        .filter((l) => !l.includes('savepoint-dir') && !l.includes('state.savepoints.dir'))
        .join('\n'),
      'x',
    );
    expect(standard.length).toBeGreaterThan(15);
    expect(parseLegacyFlinkConf(uncommented, 'x').warnings).toEqual([]);
  });
});
