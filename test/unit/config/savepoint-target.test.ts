// The savepoint target directory chain, every combination: ad-hoc path, each step-2 key, the deprecated
// key, -D, flat vs nested files, both file names. Each case asserts value, origin and the exact warnings.
import { describe, expect, it } from '@jest/globals';
import { parseLegacyFlinkConf, parseStandardYaml } from '../../../src/config/parse.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { resolveSavepointTarget, type AdHocPath } from '../../../src/config/savepoint-target.js';
import type { LoadedConfig, RawEntry } from '../../../src/config/types.js';

const F2 = 'execution.checkpointing.savepoint-dir';
const F10 = 'state.savepoints.dir';
const DEP = 'savepoints.state.backend.fs.dir';

function yamlConfig(text: string, file = 'conf/config.yaml'): LoadedConfig {
  return { source: 'config-dir', files: [{ path: file, format: 'config.yaml' }], entries: parseStandardYaml(text, file), warnings: [] };
}
function legacyConfig(text: string, file = 'conf/flink-conf.yaml'): LoadedConfig {
  const { entries, warnings } = parseLegacyFlinkConf(text, file);
  return { source: 'config-dir', files: [{ path: file, format: 'flink-conf.yaml' }], entries, warnings };
}
const none: LoadedConfig = { source: 'none', files: [], entries: [], warnings: [] };

function target(loaded: LoadedConfig, options: { D?: string[]; adHoc?: AdHocPath } = {}) {
  return resolveSavepointTarget(resolveConfig({ loaded, dynamic: options.D }), options.adHoc);
}
const fileOrigin = (file: string, line: number) => ({ kind: 'file', file, line });
const adHoc: AdHocPath = { path: '/adhoc', what: 'argument <targetDirectory>' };

describe('step 1: the ad-hoc path', () => {
  it('wins over everything configured', () => {
    const t = target(yamlConfig(`${F2}: /f2\n`), { adHoc, D: [`${F10}=/f2`] });
    expect([t.directory, t.step, t.origin]).toEqual(['/adhoc', 1, { kind: 'ad-hoc', what: 'argument <targetDirectory>' }]);
    expect(t.warnings).toEqual([]);
  });

  it('configuration warnings stay: keys that differ are reported even when the ad-hoc path wins', () => {
    const t = target(yamlConfig(`${F2}: /f2\n${F10}: /other\n`), { adHoc });
    expect(t.directory).toBe('/adhoc');
    expect(t.warnings).toEqual([`Both '${F2}' (/f2, conf/config.yaml:1) and '${F10}' (/other, conf/config.yaml:2) are set and differ; '${F2}' wins.`]);
  });

  it('with nothing configured, no warnings', () => {
    const t = target(none, { adHoc });
    expect([t.directory, t.step, t.warnings]).toEqual(['/adhoc', 1, []]);
  });

  it('still warns about a deprecated key, saying it was not used', () => {
    const t = target(legacyConfig(`${DEP}: /dep\n`), { adHoc });
    expect(t.directory).toBe('/adhoc');
    expect(t.warnings).toEqual([
      `Config key '${DEP}' (conf/flink-conf.yaml:1) is deprecated; use '${F2}' (or '${F10}') instead. It was not used: the path given for this operation wins.`,
    ]);
  });
});

describe('step 2: execution.checkpointing.savepoint-dir / state.savepoints.dir', () => {
  it.each([
    ['flat config.yaml, Flink 2 name', yamlConfig(`${F2}: /f2\n`), F2],
    ['nested config.yaml, Flink 2 name', yamlConfig('execution:\n  checkpointing:\n    savepoint-dir: /f2\n'), F2],
    ['flat config.yaml, FLIP-10 name', yamlConfig(`${F10}: /f2\n`), F10],
    ['nested config.yaml, FLIP-10 name', yamlConfig('state:\n  savepoints:\n    dir: /f2\n'), F10],
    ['legacy flink-conf.yaml, FLIP-10 name', legacyConfig(`${F10}: /f2\n`), F10],
    ['legacy flink-conf.yaml, Flink 2 name', legacyConfig(`${F2}: /f2\n`), F2],
  ])('%s', (_name, loaded, key) => {
    const t = target(loaded);
    expect([t.directory, t.step, t.warnings]).toEqual(['/f2', 2, []]);
    expect(t.origin).toEqual({ kind: 'file', file: loaded.files[0].path, line: (loaded.entries[0].origin as { line: number }).line });
    expect(t.candidates.find((c) => c.outcome === 'used')?.name).toBe(key);
  });

  it('both set and equal: the Flink 2 name is used, no warning', () => {
    const t = target(yamlConfig(`${F10}: /same\n${F2}: /same\n`));
    expect([t.directory, t.origin, t.warnings]).toEqual(['/same', fileOrigin('conf/config.yaml', 2), []]);
  });

  it('both set and different: the Flink 2 name wins and a warning says so', () => {
    const t = target(yamlConfig(`${F10}: /flip10\nexecution:\n  checkpointing:\n    savepoint-dir: /flink2\n`));
    expect([t.directory, t.step, t.origin]).toEqual(['/flink2', 2, fileOrigin('conf/config.yaml', 4)]);
    expect(t.warnings).toEqual([`Both '${F2}' (/flink2, conf/config.yaml:4) and '${F10}' (/flip10, conf/config.yaml:1) are set and differ; '${F2}' wins.`]);
  });

  it('-D overrides the file for the same key', () => {
    const t = target(yamlConfig(`${F10}: /file\n`), { D: [`${F10}=/dynamic`] });
    expect([t.directory, t.origin, t.warnings]).toEqual(['/dynamic', { kind: 'dynamic' }, []]);
  });

  it('-D of the FLIP-10 name does not beat the Flink 2 name in a file (Flink: key precedence first), and warns', () => {
    const t = target(yamlConfig(`${F2}: /file\n`), { D: [`${F10}=/dynamic`] });
    expect([t.directory, t.origin]).toEqual(['/file', fileOrigin('conf/config.yaml', 1)]);
    expect(t.warnings).toEqual([`Both '${F2}' (/file, conf/config.yaml:1) and '${F10}' (/dynamic, -D) are set and differ; '${F2}' wins.`]);
  });

  it('-D alone, also in the -Dkey=value form, with no file', () => {
    expect(target(none, { D: [`${F2}=/d`] }).directory).toBe('/d');
  });
});

describe('step 3: the deprecated savepoints.state.backend.fs.dir', () => {
  it('used when nothing else is set, with a deprecation warning naming the key to use', () => {
    const t = target(legacyConfig(`# old\n${DEP}: /dep\n`));
    expect([t.directory, t.step, t.origin]).toEqual(['/dep', 3, fileOrigin('conf/flink-conf.yaml', 2)]);
    expect(t.warnings).toEqual([`Config key '${DEP}' (conf/flink-conf.yaml:2) is deprecated; use '${F2}' (or '${F10}') instead. Using its value /dep.`]);
  });

  it('nested spelling in config.yaml is the same key', () => {
    const t = target(yamlConfig('savepoints:\n  state:\n    backend:\n      fs:\n        dir: /dep\n'));
    expect([t.directory, t.step]).toEqual(['/dep', 3]);
  });

  it('given with -D', () => {
    const t = target(none, { D: [`${DEP}=/dep`] });
    expect([t.directory, t.step, t.origin]).toEqual(['/dep', 3, { kind: 'dynamic' }]);
    expect(t.warnings).toEqual([`Config key '${DEP}' (-D) is deprecated; use '${F2}' (or '${F10}') instead. Using its value /dep.`]);
  });

  it.each([
    [F10, 'state.savepoints.dir'],
    [F2, 'execution.checkpointing.savepoint-dir'],
  ])('ignored when %s is set, and the warning says so', (key, by) => {
    const t = target(legacyConfig(`${DEP}: /dep\n${key}: /new\n`));
    expect([t.directory, t.step]).toEqual(['/new', 2]);
    expect(t.warnings).toEqual([`Config key '${DEP}' (conf/flink-conf.yaml:1) is deprecated and was ignored because '${by}' is set; remove it.`]);
    expect(t.candidates.find((c) => c.step === 3)).toMatchObject({ outcome: 'ignored', value: '/dep' });
  });
});

describe('step 4: nothing configured', () => {
  it('no directory is sent; the cluster default applies', () => {
    const t = target(none);
    expect([t.directory, t.step, t.origin, t.warnings]).toEqual([undefined, 4, undefined, []]);
    expect(t.candidates.map((c) => [c.step, c.outcome])).toEqual([
      [1, 'not set'],
      [2, 'not set'],
      [2, 'not set'],
      [3, 'not set'],
      [4, 'used'],
    ]);
  });

  it('unrelated keys do not count', () => {
    expect(target(yamlConfig('execution.checkpointing.dir: /ckpt\n')).step).toBe(4);
  });
});

describe('savepoints.state.backend', () => {
  const entries = (text: string): RawEntry[] => parseLegacyFlinkConf(text, 'f').entries;
  it('is ignored with a warning; jobmanager additionally explains that savepoints go to files', () => {
    const loaded: LoadedConfig = { source: 'config-dir', files: [], entries: entries('savepoints.state.backend: jobmanager\n'), warnings: [] };
    const config = resolveConfig({ loaded });
    expect(config.warnings).toEqual([
      `Config key 'savepoints.state.backend' (f:1) is ignored: since FLIP-10 savepoints are always written to a directory; set '${F2}' (or '${F10}') instead. ` +
        "There is no 'jobmanager' savepoint backend any more (no jobmanager://savepoint-N pointers): savepoints always go to files now.",
    ]);
    expect(resolveSavepointTarget(config).step).toBe(4);
  });

  it('value filesystem: the general warning only', () => {
    const loaded: LoadedConfig = { source: 'config-dir', files: [], entries: entries('savepoints.state.backend: filesystem\n'), warnings: [] };
    expect(resolveConfig({ loaded }).warnings).toEqual([
      `Config key 'savepoints.state.backend' (f:1) is ignored: since FLIP-10 savepoints are always written to a directory; set '${F2}' (or '${F10}') instead.`,
    ]);
  });
});
