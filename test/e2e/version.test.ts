// `flink --version`: the tool's version always; the cluster's Flink version when it answers /config.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { emptyDir, runFlink, startLocalCoordinator } from './helpers.js';

const work = emptyDir('version-');
const conf = path.join(work, 'conf');
let address = '';

beforeAll(async () => {
  address = await startLocalCoordinator(conf, work, [`coordinator.dir: ${path.join(work, 'state')}`]);
}, 60_000);

afterAll(async () => {
  if (address) await runFlink(['--config-dir', conf, '-m', address, 'cluster', 'stop'], { cwd: work });
}, 60_000);

describe('flink --version', () => {
  it('with a reachable cluster: the tool version, then the cluster and its Flink version', async () => {
    const r = await runFlink(['--config-dir', conf, '-m', address, '--version'], { cwd: work });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^Version: \\d+\\.\\d+\\.\\d+\\nCluster: local coordinator \\d+\\.\\d+\\.\\d+[^ ]* at http://${address.replace(/\./g, '\\.')}\\n$`),
    );
    const json = JSON.parse((await runFlink(['-m', address, '--version', '--json'], { cwd: work })).stdout);
    expect(json).toMatchObject({ version: 1, cluster: { reachable: true, kind: 'local', url: `http://${address}` } });
    expect(json.tool).toMatch(/^\d+\.\d+\.\d+/);
    expect(json.cluster.flinkVersion).toMatch(/^\d+\.\d+/);
  });

  it('with no cluster: the tool version only, exit 0, a note on stderr', async () => {
    const r = await runFlink(['-m', '127.0.0.1:9', '-v']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Version: \d+\.\d+\.\d+\n$/);
    expect(r.stderr).toBe('Cluster: not reachable at http://127.0.0.1:9\n');
  });

  it('-v after a command is not the version flag', async () => {
    expect((await runFlink(['list', '-v'])).exitCode).toBe(2);
  });
});
