// Where a job's persistent checkpoints and periodic savepoints go and how many are kept: the job's own
// checkpoint config first, then the cluster's settings (pure; the coordinator asks these when it triggers).
import type { JobPlan } from '../runtime/plan.js';
import type { CoordinatorSettings } from './coordinator-types.js';

export function persistentCheckpointSettings(plan: JobPlan, settings: CoordinatorSettings): { enabled: boolean; dir: string } {
  const job = plan.checkpointConfig.persistentCheckpoints;
  if (job.enabled) return { enabled: true, dir: job.path ?? settings.checkpointDir };
  return { enabled: settings.persistentCheckpoints, dir: settings.checkpointDir };
}

export function periodicSavepointSettings(
  plan: JobPlan,
  settings: CoordinatorSettings,
): { enabled: boolean; intervalMs?: number; dir?: string; maxRetained: number } {
  const job = plan.checkpointConfig.periodicSavepoints;
  const cluster = settings.periodicSavepoints;
  if (job.enabled) {
    return {
      enabled: true,
      intervalMs: job.intervalMs,
      dir: job.path ?? cluster?.dir ?? settings.savepointDir,
      maxRetained: job.maxRetained ?? cluster?.maxRetained ?? 3,
    };
  }
  if (cluster) return { enabled: true, intervalMs: cluster.intervalMs, dir: cluster.dir ?? settings.savepointDir, maxRetained: cluster.maxRetained };
  return { enabled: false, maxRetained: job.maxRetained ?? 3 };
}
