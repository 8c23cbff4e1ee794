// Entry point of a job's TaskManager process (a child of the coordinator, forked with an IPC channel).
// Loads the (bundled) job module, runs its build phase, sends the plan to the host, then runs the
// dataflow and answers the host's checkpoint requests. Argument: the heartbeat interval in ms.

import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import type { JobMain } from './api.js';
import { Environment, type BuiltJob } from './environment.js';
import { JobExecutor } from './executor.js';
import { NO_STORAGE_SETTINGS, SnapshotStorage, storageSettingsFromWire } from '../storage/index.js';
import { serializeError, type HostToWorker, type WorkerToHost } from './protocol.js';

if (!process.send) throw new Error('the job runtime must run in a TaskManager process forked with an IPC channel');

const heartbeatMs = Number(process.argv[2]) || 500;
let built: BuiltJob | undefined;
let executor: JobExecutor | undefined;
let failed = false;
/** Where this process writes and reads state: the coordinator's storage settings arrive first, over IPC. */
let storage = new SnapshotStorage({ settings: NO_STORAGE_SETTINGS });

function post(message: WorkerToHost): void {
  // The channel is gone once the coordinator is: nothing to tell (and 'disconnect' ends this process).
  if (process.connected) process.send!(message);
}

/** Resolves once the message is written to the IPC channel. */
function postFlushed(message: WorkerToHost): Promise<void> {
  if (!process.connected) return Promise.resolve();
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

function fail(error: unknown): void {
  if (failed) return;
  failed = true;
  if (executor) executor.fail(error);
  else post({ type: 'failed', error: serializeError(error) });
}

async function build(bundlePath: string, args: string[], parallelism: number | undefined): Promise<void> {
  const module = (await import(pathToFileURL(bundlePath).href)) as { default?: unknown };
  const main = module.default;
  if (typeof main !== 'function') throw new Error('the job module has no default export function (env, args) => { ... }');
  const env = new Environment({ parallelism, onExecute: (job) => (built = job) });
  const returned = (main as JobMain)(env, args);
  // The plan exists once execute() was called; a job may still be awaiting something after that.
  if (!built) await returned;
  if (!built) throw new Error('the job module returned without calling env.execute()');
  post({ type: 'plan', plan: built.plan });
}

/** Resident set size and V8 heap, for the host's memory limit and the REST metrics. */
function heartbeat(): WorkerToHost {
  const memory = process.memoryUsage();
  return { type: 'heartbeat', rss: memory.rss, heap: { used: memory.heapUsed, committed: memory.heapTotal, max: getHeapStatistics().heap_size_limit } };
}

const hello = postFlushed(heartbeat());

process.on('message', (message: HostToWorker) => {
  try {
    switch (message.type) {
      case 'storage':
        storage.close();
        storage = new SnapshotStorage({ settings: storageSettingsFromWire(message.settings) });
        break;
      case 'build':
        // Job code runs only once the host heard from this process (its startup allowance ends there).
        hello.then(() => build(message.bundlePath, message.args, message.parallelism)).catch(fail);
        break;
      case 'run': {
        if (!built) throw new Error('run before build');
        executor = new JobExecutor(built, { attemptToken: message.attemptToken || randomBytes(4).toString('hex'), post, storage });
        // "running" is on its way to the host before the first record: job code that then spins forever
        // must not keep it queued in this process (IPC writes are flushed by the event loop).
        executor.start(message.restore, () => postFlushed({ type: 'running' })).catch(fail);
        break;
      }
      case 'trigger':
        executor?.trigger(message.id, message.directory, message.terminate);
        break;
      case 'notify-complete':
        executor?.notifyComplete(message.id).then(() => post({ type: 'notified', id: message.id }), fail);
        break;
      case 'abort':
        executor?.abort(message.id).then(() => post({ type: 'aborted', id: message.id }), fail);
        break;
    }
  } catch (error) {
    fail(error);
  }
});

// A throw from a timer or a rejected promise in job code fails the job (the host then ends this process).
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
// The coordinator went away (even kill -9): a TaskManager without its JobManager stops at once.
process.on('disconnect', () => process.exit(0));

// Silence from this process for longer than the host's timeout means the job is stuck (an endless loop).
// The resident set size rides along for hosts without /proc.
setInterval(() => post(heartbeat()), heartbeatMs).unref();
