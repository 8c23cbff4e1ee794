// Flink's views of the JobManager (here: the local coordinator's process): its configuration as Flink's list of
// {key, value}, its environment, its log files, its metrics (V8's heap under Flink's JVM heap names) and a
// thread dump. Pure apart from reading the process's own figures.
import { getHeapStatistics } from 'node:v8';
import type { TaskManagerInfo } from '../../coordinator/requests.js';
import type { JobRecord } from '../../coordinator/job-record.js';
import { isTerminal } from '../../domain/job-status.js';
import { metricsAnswer } from './metrics.js';

export interface ConfigEntry {
  key: string;
  value: string;
}

export function environmentView() {
  return {
    jvm: {
      version: `Node.js ${process.version}`,
      arch: process.arch,
      options: [...process.execArgv, ...(process.env.NODE_OPTIONS?.split(/\s+/).filter(Boolean) ?? [])],
    },
    // A Node.js process has no classpath; the entry script it runs is where its code comes from.
    classpath: process.argv[1] ? [process.argv[1]] : [],
  };
}

export function jobManagerMetrics(jobs: readonly JobRecord[], taskManagers: readonly TaskManagerInfo[], get: string | null) {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return metricsAnswer(
    {
      'Status.JVM.Memory.Heap.Used': memory.heapUsed,
      'Status.JVM.Memory.Heap.Committed': memory.heapTotal,
      'Status.JVM.Memory.Heap.Max': getHeapStatistics().heap_size_limit,
      'Status.JVM.CPU.Time': (cpu.user + cpu.system) * 1000,
      'Status.Process.ResidentMemory': memory.rss,
      numRunningJobs: jobs.filter((j) => !isTerminal(j.status)).length,
      numRegisteredTaskManagers: taskManagers.length,
      taskSlotsTotal: taskManagers.length,
      taskSlotsAvailable: 0,
    },
    get,
  );
}
