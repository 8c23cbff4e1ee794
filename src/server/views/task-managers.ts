// Flink's views of the TaskManagers (pure): each running job of the local coordinator has its own TaskManager
// process, one slot holding all the job's subtasks. Memory figures are the process's own (resident set, V8 heap);
// what a JVM TaskManager reports and a Node.js process does not have (managed and network memory, data port,
// metaspace) is 0 or -1, as Flink reports an absent port.
import os from 'node:os';
import type { TaskManagerInfo } from '../../coordinator/requests.js';
import { metricsAnswer } from './metrics.js';

const MB = 1024 * 1024;

/** A TaskManager id that names its job and process, in Flink's `<host>:<port>-<suffix>` spirit. */
export function taskManagerId(tm: TaskManagerInfo): string {
  return `local-${tm.jobId.slice(0, 6)}-${tm.pid}`;
}

function resource(tm: TaskManagerInfo, free: boolean) {
  return {
    cpuCores: free ? 0 : 1,
    taskHeapMemory: free ? 0 : Math.round((tm.heap?.max ?? 0) / MB),
    taskOffHeapMemory: 0,
    managedMemory: 0,
    networkMemory: 0,
    extendedResources: {},
  };
}

function heapFigures(tm: TaskManagerInfo) {
  const heap = tm.heap ?? { used: 0, committed: 0, max: 0 };
  const outsideHeap = Math.max(0, tm.rssBytes - heap.committed);
  return { heap, outsideHeap };
}

export function taskManagerView(tm: TaskManagerInfo) {
  return {
    id: taskManagerId(tm),
    path: `pid:${tm.pid}`,
    dataPort: -1,
    jmxPort: -1,
    // Flink's field holds the time of the last heartbeat, despite its name.
    timeSinceLastHeartbeat: tm.lastHeartbeatAt,
    slotsNumber: 1,
    freeSlots: 0,
    assignedTasks: tm.subtasks,
    totalResource: resource(tm, false),
    freeResource: resource(tm, true),
    hardware: { cpuCores: os.cpus().length, physicalMemory: os.totalmem(), freeMemory: os.freemem(), managedMemory: 0 },
    memoryConfiguration: {
      frameworkHeap: 0,
      taskHeap: tm.heap?.max ?? 0,
      frameworkOffHeap: 0,
      taskOffHeap: 0,
      networkMemory: 0,
      managedMemory: 0,
      jvmMetaspace: 0,
      jvmOverhead: 0,
      totalFlinkMemory: tm.memoryLimitBytes ?? 0,
      totalProcessMemory: tm.memoryLimitBytes ?? 0,
    },
  };
}

export function taskManagerDetailsView(tm: TaskManagerInfo) {
  const { heap, outsideHeap } = heapFigures(tm);
  return {
    ...taskManagerView(tm),
    allocatedSlots: [{ jobId: tm.jobId, resource: resource(tm, false), assignedTasks: tm.subtasks }],
    metrics: {
      heapUsed: heap.used,
      heapCommitted: heap.committed,
      heapMax: heap.max,
      nonHeapUsed: outsideHeap,
      nonHeapCommitted: outsideHeap,
      nonHeapMax: tm.memoryLimitBytes ?? -1,
      directCount: 0,
      directUsed: 0,
      directMax: 0,
      mappedCount: 0,
      mappedUsed: 0,
      mappedMax: 0,
      memorySegmentsAvailable: 0,
      memorySegmentsTotal: 0,
      nettyShuffleMemorySegmentsAvailable: 0,
      nettyShuffleMemorySegmentsUsed: 0,
      nettyShuffleMemorySegmentsTotal: 0,
      nettyShuffleMemoryAvailable: 0,
      nettyShuffleMemoryUsed: 0,
      nettyShuffleMemoryTotal: 0,
      garbageCollectors: [],
    },
  };
}

/** The metrics a TaskManager process reports: V8's heap under Flink's JVM heap names, and its resident set. */
export function taskManagerMetrics(tm: TaskManagerInfo, get: string | null) {
  const { heap, outsideHeap } = heapFigures(tm);
  return metricsAnswer(
    {
      'Status.JVM.Memory.Heap.Used': heap.used,
      'Status.JVM.Memory.Heap.Committed': heap.committed,
      'Status.JVM.Memory.Heap.Max': heap.max,
      'Status.JVM.Memory.NonHeap.Used': outsideHeap,
      'Status.Process.ResidentMemory': tm.rssBytes,
      'Status.Process.PeakResidentMemory': tm.peakRssBytes,
    },
    get,
  );
}

/** Node.js runs job code on one thread per process: the dump names it (stacks of another process are not readable). */
export function threadDumpView(name: string, pid: number) {
  return { threadInfos: [{ threadName: 'main', stringifiedThreadInfo: `"main" ${name} pid ${pid} (Node.js ${process.version} event loop)\n` }] };
}
