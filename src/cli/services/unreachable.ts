// What to do when the coordinator's address does not answer: the REST client only knows that it did not; the
// CLI knows more. A local coordinator of this state directory running at another address is named (with how to
// reach it), a server that accepted the connection and never answered is not told to start the local one, and
// an address the user chose gets its own advice.
import { START_LOCAL_HINT } from '../../client/http.js';
import type { UnreachableError } from '../../domain/errors.js';
import type { CommandContext } from '../context.js';

/** The hint for an unreachable address in this invocation's terms. */
export async function unreachableHint(ctx: CommandContext, error: UnreachableError): Promise<string | undefined> {
  if (error.address === undefined) return error.hint;
  if (error.reason === 'no-answer')
    return `Something listens at ${error.address} but does not answer as a REST endpoint: check that -m / rest.address and rest.port name the JobManager's REST port (rest.idleness-timeout sets how long to wait).`;
  const running = await localCoordinatorElsewhere(ctx, error.address);
  if (running) {
    const hostPort = running.url.replace(/^https?:\/\//, '');
    return `The local coordinator of ${running.stateDir} runs at ${running.url} (pid ${running.pid}): reach it with -m ${hostPort}, or set rest.port: ${new URL(running.url).port} in your configuration.`;
  }
  const config = await ctx.config();
  const chosen = ctx.globals.jobmanager !== undefined || config.lookup('rest.address') !== undefined || config.lookup('jobmanager.rpc.address') !== undefined;
  if (chosen && !/\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(`${error.address}/`))
    return 'Check that the cluster runs and that -m / rest.address and rest.port name its REST endpoint.';
  return START_LOCAL_HINT;
}

/** A live local coordinator of this configuration's state directory that listens somewhere else. */
async function localCoordinatorElsewhere(ctx: CommandContext, address: string): Promise<{ url: string; pid: number; stateDir: string } | undefined> {
  const { stateDir, readPidFile, isCoordinatorProcess } = await import('./local-coordinator.js');
  const dir = await stateDir(ctx).catch(() => undefined);
  const pid = dir === undefined ? undefined : readPidFile(dir);
  if (!pid || !isCoordinatorProcess(pid.pid) || sameAddress(pid.url, address)) return undefined;
  return { url: pid.url, pid: pid.pid, stateDir: dir! };
}

function sameAddress(a: string, b: string): boolean {
  const norm = (u: string) => {
    const url = new URL(u);
    return `${url.hostname === 'localhost' ? '127.0.0.1' : url.hostname}:${url.port}`;
  };
  try {
    return norm(a) === norm(b);
  } catch {
    return false;
  }
}
