// The loader against real directories in fixtures/config/.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load.js';

const FIXTURES = path.resolve('fixtures/config');
const dir = (name: string) => path.join(FIXTURES, name);
const entriesOf = (loaded: Awaited<ReturnType<typeof loadConfig>>) => loaded.entries.map((e) => [e.key, e.value]);

describe('finding the configuration', () => {
  it('--config-dir wins over FLINK_CONF_DIR', async () => {
    const loaded = await loadConfig({ configDir: dir('flink2-flat'), env: { FLINK_CONF_DIR: dir('flip10-only') }, cwd: '/' });
    expect(loaded.source).toBe('config-dir');
    expect(loaded.files).toEqual([{ path: path.join(dir('flink2-flat'), 'config.yaml'), format: 'config.yaml' }]);
  });

  it('FLINK_CONF_DIR wins over the search from the working directory', async () => {
    const loaded = await loadConfig({ env: { FLINK_CONF_DIR: dir('flip10-only') }, cwd: dir('search-rc') });
    expect(loaded.source).toBe('FLINK_CONF_DIR');
    expect(entriesOf(loaded)).toEqual([['state.savepoints.dir', '/tmp/flink-cli-fixtures/sp-flip10']]);
  });

  it('a relative --config-dir is resolved against the working directory', async () => {
    const loaded = await loadConfig({ configDir: 'flink2-nested', env: {}, cwd: FIXTURES });
    expect(loaded.files[0].path).toBe(path.join(dir('flink2-nested'), 'config.yaml'));
  });

  it.each([
    ['search-rc', '.flinkrc.yaml', [['state.savepoints.dir', '/tmp/flink-cli-fixtures/sp-rc']]],
    [
      'search-package',
      'package.json',
      [
        ['rest.port', '18085'],
        ['state.savepoints.dir', '/tmp/flink-cli-fixtures/sp-package'],
      ],
    ],
    ['search-conf', 'conf/config.yaml', [['execution.checkpointing.savepoint-dir', '/tmp/flink-cli-fixtures/sp-conf-search']]],
    ['search-js', 'flink.config.mjs', [['execution.checkpointing.savepoint-dir', '/tmp/flink-cli-fixtures/sp-js']]],
  ])('cosmiconfig search finds %s (%s)', async (name, file, expected) => {
    const loaded = await loadConfig({ env: {}, cwd: dir(name) });
    expect(loaded.source).toBe('search');
    expect(loaded.files[0].path).toBe(path.join(dir(name), file));
    expect(entriesOf(loaded)).toEqual(expected);
  });

  it('package.json values know their line', async () => {
    const loaded = await loadConfig({ env: {}, cwd: dir('search-package') });
    expect(loaded.entries[0].origin).toEqual({ kind: 'file', file: path.join(dir('search-package'), 'package.json'), line: 5 });
  });

  it('nothing found: an empty configuration, not an error', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'flink-cli-noconf-'));
    expect(await loadConfig({ env: {}, cwd: empty })).toEqual({ source: 'none', files: [], entries: [], warnings: [] });
  });
});

describe('conf dir contents', () => {
  it('legacy flink-conf.yaml: comments, skipped lines with a warning, last duplicate wins later', async () => {
    const loaded = await loadConfig({ configDir: dir('legacy'), env: {}, cwd: '/' });
    const file = path.join(dir('legacy'), 'flink-conf.yaml');
    expect(loaded.files).toEqual([{ path: file, format: 'flink-conf.yaml' }]);
    expect(entriesOf(loaded)).toEqual([
      ['rest.address', '127.0.0.1'],
      ['rest.port', '18083'],
      ['state.savepoints.dir', '/tmp/flink-cli-fixtures/sp-legacy'],
      ['state.checkpoints.num-retained', '3'],
      ['rest.port', '18084'],
    ]);
    expect(loaded.warnings).toEqual([`${file}:5: line skipped, expected 'key: value'`]);
  });

  it('both file names: config.yaml is read, flink-conf.yaml ignored with a warning', async () => {
    const loaded = await loadConfig({ configDir: dir('both-files'), env: {}, cwd: '/' });
    expect(entriesOf(loaded)).toEqual([['state.savepoints.dir', '/tmp/flink-cli-fixtures/sp-from-config-yaml']]);
    expect(loaded.warnings).toEqual([
      `${path.join(dir('both-files'), 'flink-conf.yaml')} is ignored because ${path.join(dir('both-files'), 'config.yaml')} exists ` +
        '(Flink 2 reads only config.yaml; Flink 1.19/1.20 would read flink-conf.yaml instead).',
    ]);
  });

  it('malformed YAML names file and line', async () => {
    await expect(loadConfig({ configDir: dir('malformed'), env: {}, cwd: '/' })).rejects.toThrow(
      new RegExp(`^Malformed YAML in ${path.join(dir('malformed'), 'config.yaml').replace(/[.]/g, '\\.')}:3: `),
    );
  });

  it('a duplicate key is an error', async () => {
    await expect(loadConfig({ configDir: dir('duplicate-key'), env: {}, cwd: '/' })).rejects.toThrow(/config\.yaml:3: Map keys must be unique/);
  });

  it('a missing directory or a directory without a config file is a configuration error', async () => {
    await expect(loadConfig({ configDir: '/nonexistent/conf', env: {}, cwd: '/' })).rejects.toThrow(
      "The configuration directory '/nonexistent/conf' (--config-dir) does not exist.",
    );
    await expect(loadConfig({ env: { FLINK_CONF_DIR: '/nonexistent/conf' }, cwd: '/' })).rejects.toThrow(
      "The configuration directory '/nonexistent/conf', specified in the 'FLINK_CONF_DIR' environment variable, does not exist.",
    );
    await expect(loadConfig({ configDir: dir('empty-dir'), env: {}, cwd: '/' })).rejects.toThrow(/contains neither config\.yaml nor flink-conf\.yaml/);
  });
});
