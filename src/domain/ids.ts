// Job and trigger ids as Flink prints them: 32 lower-case hex characters.
import { UsageError } from './errors.js';

const HEX32 = /^[0-9a-fA-F]{32}$/;

export function isJobId(text: string): boolean {
  return HEX32.test(text);
}

/** Flink's own wording, so scripts that match it keep working. */
export function parseJobId(text: string | undefined, missing = 'Missing JobID.'): string {
  if (text === undefined || text === '') throw new UsageError(missing);
  if (!HEX32.test(text)) {
    throw new UsageError(`Cannot parse JobID from "${text}". The expected format is [0-9a-fA-F]{32}, e.g. fd72014d4c864993a2e5a9287b4a9c5d.`);
  }
  return text.toLowerCase();
}

export function parseTriggerId(text: string | undefined): string {
  if (text === undefined || !HEX32.test(text)) throw new UsageError(`Cannot parse trigger id from "${text ?? ''}": expected 32 hex characters.`);
  return text.toLowerCase();
}
