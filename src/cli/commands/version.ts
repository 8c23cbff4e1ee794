// `flink --version` / `flink version`: the tool's version, and the cluster's Flink version from /config
// when the configured endpoint answers within a short timeout (never an error when it does not).
import type { Command } from 'commander';
import { TOOL_VERSION } from '../../version.js';
import { emit } from '../output/export.js';
import type { CommandModule } from '../program.js';

export const versionCommand: CommandModule = {
  name: 'version',
  register(program, deps) {
    return program
      .command('version')
      .addHelpText('after', '\nExamples:\n  flink --version\n  flink --version -m flink-jm:8081\n  flink version --json\n')
      .action(async (_opts: unknown, command: Command) => {
        const ctx = await deps.contextFor(command);
        const { probeCluster, describeCluster } = await import('../services/cluster-probe.js');
        const probe = await probeCluster(ctx);
        const cluster = probe.reachable
          ? {
              url: probe.url,
              reachable: true,
              kind: probe.kind,
              flinkVersion: probe.flinkVersion ?? null,
              ...(probe.kind === 'local' ? { coordinatorVersion: probe.coordinatorVersion } : {}),
            }
          : { url: probe.url, reachable: false };
        await emit(ctx.io, {
          data: { tool: TOOL_VERSION, cluster },
          human: (io) => {
            io.print(`Version: ${TOOL_VERSION}`);
            if (probe.reachable) io.print(`Cluster: ${describeCluster(probe)}`);
            // A certificate problem is named (probe.hint is set only when the cause is known).
            else io.note(`Cluster: ${probe.hint && probe.error ? probe.error : describeCluster(probe)}`);
          },
        });
      });
  },
};
