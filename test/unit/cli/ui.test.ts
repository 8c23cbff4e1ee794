// `flink ui`'s options and the global options it passes on to its server and to the commands the page runs.
import { expect, it } from '@jest/globals';
import { globalsArgv } from '../../../src/cli/dashboard-commands.js';
import { parseUiArgs } from '../../../src/cli/commands/ui.js';
import { UsageError } from '../../../src/domain/errors.js';

it('--port is a port number; without it a free one is taken', () => {
  expect(parseUiArgs({})).toEqual({ port: 0 });
  expect(parseUiArgs({ port: '8090' })).toEqual({ port: 8090 });
  for (const bad of ['-1', '65536', 'http', '80.5']) expect(() => parseUiArgs({ port: bad })).toThrow(UsageError);
});

it('the cluster, the configuration directory and every -D property are passed on as the user gave them', () => {
  expect(globalsArgv({ jobmanager: 'flink-jm:8081', configDir: '/etc/flink', D: ['s3.endpoint=http://127.0.0.1:9000', 'rest.path=/x'] })).toEqual([
    '--config-dir',
    '/etc/flink',
    '-m',
    'flink-jm:8081',
    '-D',
    's3.endpoint=http://127.0.0.1:9000',
    '-D',
    'rest.path=/x',
  ]);
  expect(globalsArgv({ D: [] })).toEqual([]);
});
