// The server and the client read the same status <-> error kind table (rest-api/errors.ts): an error thrown
// in the dispatcher reaches the client, over real HTTP, as a typed error of the kind the table names, with
// the dispatcher's message.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { endpointFor, HttpTransport } from '../../../src/client/http.js';
import { FlinkRestClient } from '../../../src/client/rest-client.js';
import type { ArtifactInfo } from '../../../src/coordinator/artifact-store.js';
import type { SnapshotEntry } from '../../../src/coordinator/checkpoint-coordinator.js';
import type { JobPlan, JobRecord } from '../../../src/coordinator/job-record.js';
import type { JobSnapshotSettings, TaskManagerInfo } from '../../../src/coordinator/requests.js';
import { ConfigError, ConflictError, FlinkCliError, NotFoundError, OperationError, TimeoutError, UsageError } from '../../../src/domain/errors.js';
import { kindForStatus, statusForError } from '../../../src/rest-api/errors.js';
import type { Dispatcher } from '../../../src/server/dispatcher.js';
import { startRestServer, type RunningRestServer } from '../../../src/server/rest-server.js';

/** A dispatcher whose every call fails with the error the test sets. */
class FailingDispatcher implements Dispatcher {
  readonly version = 'test';
  error: Error = new Error('unset');
  private fail(): never {
    throw this.error;
  }
  defaultSavepointDirectory = () => undefined;
  jobs = async (): Promise<JobRecord[]> => this.fail();
  job = async (): Promise<JobRecord> => this.fail();
  snapshots = async (): Promise<SnapshotEntry[]> => this.fail();
  snapshotSettings = async (): Promise<JobSnapshotSettings> => this.fail();
  restorableSnapshots = async (): Promise<SnapshotEntry[]> => this.fail();
  cancel = async (): Promise<void> => this.fail();
  savepoint = async (): Promise<string> => this.fail();
  stopWithSavepoint = async (): Promise<string> => this.fail();
  checkpoint = async (): Promise<number> => this.fail();
  disposeSavepoint = async (): Promise<void> => this.fail();
  uploadArtifact = async (): Promise<ArtifactInfo> => this.fail();
  artifacts = async (): Promise<ArtifactInfo[]> => this.fail();
  deleteArtifact = async (): Promise<void> => this.fail();
  runArtifact = async (): Promise<string> => this.fail();
  planArtifact = async (): Promise<JobPlan> => this.fail();
  taskManagers = async (): Promise<TaskManagerInfo[]> => this.fail();
  restartStrategyDescription = () => 'Restart deactivated.';
  jobProgram = async (): Promise<{ artifactPath: string; args: string[] }> => this.fail();
}

const dispatcher = new FailingDispatcher();
let server: RunningRestServer;
let client: FlinkRestClient;
const JOB = 'a'.repeat(32);

beforeAll(async () => {
  server = await startRestServer({ dispatcher, port: 0 });
  client = new FlinkRestClient(new HttpTransport(endpointFor({ host: server.host, port: server.port, https: false, path: '' })));
});
afterAll(() => server.close());

async function received(error: Error, call: () => Promise<unknown>): Promise<FlinkCliError> {
  dispatcher.error = error;
  const thrown = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(thrown).toBeInstanceOf(FlinkCliError);
  return thrown as FlinkCliError;
}

describe('an error thrown in the dispatcher reaches the client', () => {
  it.each([
    ['NotFoundError', new NotFoundError('Job x not found')],
    ['OperationError', new OperationError('the job failed to start')],
    ['ConflictError', new ConflictError('the job has already reached another terminal state')],
  ])('%s: as the same kind, with its message', async (_name, error) => {
    const got = await received(error, () => client.job(JOB));
    expect([got.kind, got.message]).toEqual([error.kind, error.message]);
    // The same through a different route and method.
    const cancelled = await received(error, () => client.cancel(JOB));
    expect([cancelled.kind, cancelled.message]).toEqual([error.kind, error.message]);
  });

  it.each([
    ['UsageError', new UsageError('bad argument')],
    ['ConfigError', new ConfigError('bad setting')],
    ['TimeoutError', new TimeoutError('took too long')],
  ])('%s: as the kind the table reads its status as', async (_name, error) => {
    const got = await received(error, () => client.job(JOB));
    expect([got.kind, got.message]).toEqual([kindForStatus(statusForError(error)), error.message]);
  });

  it('an untyped error: an internal server error, read as a failed operation with its message', async () => {
    const got = await received(new RangeError('a bug'), () => client.job(JOB));
    expect([got.kind, got.message]).toEqual(['operation-failed', 'RangeError: a bug']);
  });
});
