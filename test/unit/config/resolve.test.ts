import { describe, expect, it } from '@jest/globals';
import { parseLegacyFlinkConf, parseStandardYaml } from '../../../src/config/parse.js';
import { parseDynamicProperty, parseJobManagerAddress, resolveConfig } from '../../../src/config/resolve.js';
import type { LoadedConfig } from '../../../src/config/types.js';

const yaml = (text: string): LoadedConfig => ({ source: 'config-dir', files: [], entries: parseStandardYaml(text, 'c.yaml'), warnings: [] });
const none: LoadedConfig = { source: 'none', files: [], entries: [], warnings: [] };

describe('-D properties', () => {
  it('parses key=value, key= with spaces, and a bare key as true', () => {
    expect(parseDynamicProperty('a.b=c')).toEqual({ key: 'a.b', value: 'c' });
    expect(parseDynamicProperty('a=b=c')).toEqual({ key: 'a', value: 'b=c' });
    expect(parseDynamicProperty('flag')).toEqual({ key: 'flag', value: 'true' });
  });
  it('rejects an empty key', () => {
    expect(() => parseDynamicProperty('=x')).toThrow("Invalid -D property '=x': expected -D key=value");
  });
  it('overrides files and records its origin', () => {
    const config = resolveConfig({ loaded: yaml('rest.port: 1\n'), dynamic: ['rest.port=2'] });
    expect(config.get('rest.port')).toEqual({ key: 'rest.port', value: '2', origin: { kind: 'dynamic' } });
  });
});

describe('-m / --jobmanager', () => {
  it('accepts host:port and URLs, and sets address, port, path and https', () => {
    expect(parseJobManagerAddress('localhost:8081')).toEqual({ address: 'localhost', port: '8081', path: '', https: false });
    expect(parseJobManagerAddress('https://flink.example:443/proxy/')).toEqual({ address: 'flink.example', port: '443', path: '/proxy', https: true });
    expect(parseJobManagerAddress('[::1]:8081').address).toBe('::1');
  });
  it('requires both host and port', () => {
    expect(() => parseJobManagerAddress('localhost')).toThrow("Couldn't parse the JobManager address 'localhost'");
    expect(() => parseJobManagerAddress('ftp://h:1')).toThrow(/Couldn't parse/);
  });
  it('beats -D and files', () => {
    const config = resolveConfig({ loaded: yaml('rest.address: a\nrest.port: 1\n'), dynamic: ['rest.port=2'], jobmanager: 'b:3' });
    expect([config.string('rest.address'), config.int('rest.port')]).toEqual(['b', 3]);
    expect(config.get('rest.port').origin).toEqual({ kind: 'flag', flag: '-m' });
  });
});

describe('aliases, deprecated keys, fallbacks, defaults', () => {
  it('defaults carry the default origin', () => {
    expect(resolveConfig({ loaded: none }).get('rest.port')).toEqual({ key: 'rest.port', value: '8081', origin: { kind: 'default' } });
  });
  it('rest.address falls back to jobmanager.rpc.address', () => {
    const v = resolveConfig({ loaded: yaml('jobmanager.rpc.address: jm.local\n') }).get('rest.address');
    expect(v).toEqual({ key: 'rest.address', value: 'jm.local', origin: { kind: 'file', file: 'c.yaml', line: 1 }, spelledAs: 'jobmanager.rpc.address' });
  });
  it('an alias is the same setting; the primary name wins over it', () => {
    expect(resolveConfig({ loaded: yaml('state.checkpoints.num-retained: 4\n') }).int('execution.checkpointing.num-retained')).toBe(4);
    const both = resolveConfig({ loaded: yaml('state.checkpoints.num-retained: 4\nexecution.checkpointing.num-retained: 5\n') });
    expect(both.int('state.checkpoints.num-retained')).toBe(5);
    expect(both.warnings).toEqual([]);
  });
  it('a deprecated name works with a warning; ignored (and said so) when the primary name is set', () => {
    const used = resolveConfig({ loaded: yaml('web.port: 9000\n') });
    expect(used.int('rest.port')).toBe(9000);
    expect(used.warnings).toEqual(["Config key 'web.port' (c.yaml:1) is deprecated; use 'rest.port' instead."]);
    const ignored = resolveConfig({ loaded: yaml('web.port: 9000\nrest.port: 9001\n') });
    expect(ignored.int('rest.port')).toBe(9001);
    expect(ignored.warnings).toEqual(["Config key 'web.port' (c.yaml:1) is deprecated; use 'rest.port' instead. It is ignored because 'rest.port' is set."]);
  });
  it('keeps loader warnings (skipped legacy lines)', () => {
    const { entries, warnings } = parseLegacyFlinkConf('oops\n', 'f');
    expect(resolveConfig({ loaded: { source: 'config-dir', files: [], entries, warnings } }).warnings).toEqual(["f:1: line skipped, expected 'key: value'"]);
  });
  it('unknown keys are kept as written', () => {
    const config = resolveConfig({ loaded: yaml('my.own.key: x\n') });
    expect(config.get('my.own.key').value).toBe('x');
    expect(config.all().map((v) => v.key)).toContain('my.own.key');
  });
});

describe('typed getters name the bad value and where it came from', () => {
  it('int', () => {
    expect(() => resolveConfig({ loaded: yaml('rest.port: eighty\n') }).int('rest.port')).toThrow(
      "Invalid value 'eighty' for 'rest.port' (c.yaml:1): expected an integer",
    );
  });
  it('duration', () => {
    const config = resolveConfig({ loaded: yaml('client.timeout: 90 s\nexecution.checkpointing.timeout: soon\n') });
    expect(config.duration('client.timeout')).toBe(90_000);
    expect(() => config.duration('execution.checkpointing.timeout')).toThrow(/Invalid value 'soon' for 'execution.checkpointing.timeout' \(c.yaml:2\)/);
  });
  it('bool and enum (case-insensitive)', () => {
    const config = resolveConfig({ loaded: yaml('security.ssl.rest.enabled: TRUE\nexecution.state-recovery.claim-mode: claim\n') });
    expect(config.bool('security.ssl.rest.enabled')).toBe(true);
    expect(config.enumValue('execution.state-recovery.claim-mode')).toBe('CLAIM');
  });
});
