// What this tool submitted: per job id, the artifact, its arguments and the job name, recorded at
// submission so that `upgrade` can roll back to the same code and `--require-savepoint` knows the name.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { coordinatorStateDir } from '../../config/state-dir.js';
import type { CommandContext } from '../context.js';

export interface SubmissionRecord {
  jobId: string;
  jobName?: string;
  artifact: string;
  args: string[];
  entryClass?: string;
  parallelism?: number;
  restoredFrom?: string;
  address: string;
  submittedAt: string;
}

async function dir(ctx: CommandContext): Promise<string> {
  const d = path.join(coordinatorStateDir(await ctx.config(), ctx.env, ctx.cwd), 'submissions');
  mkdirSync(d, { recursive: true });
  return d;
}

export async function recordSubmission(ctx: CommandContext, record: SubmissionRecord): Promise<void> {
  writeFileSync(path.join(await dir(ctx), `${record.jobId}.json`), JSON.stringify(record, null, 1));
}

export async function readSubmission(ctx: CommandContext, jobId: string): Promise<SubmissionRecord | undefined> {
  try {
    return JSON.parse(readFileSync(path.join(await dir(ctx), `${jobId}.json`), 'utf8')) as SubmissionRecord;
  } catch {
    return undefined;
  }
}

/** Job names this artifact ran under before (newest first). */
export async function namesOfArtifact(ctx: CommandContext, artifact: string): Promise<string[]> {
  const d = await dir(ctx);
  const records = readdirSync(d)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(path.join(d, f), 'utf8')) as SubmissionRecord];
      } catch {
        return [];
      }
    })
    .filter((r) => r.artifact === artifact && r.jobName)
    .sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
  return [...new Set(records.map((r) => r.jobName!))];
}
