// The audit log: one JSON line per state-changing command (time, user, host, command, job, paths, result,
// duration), appended to `audit.log` (default: the coordinator's state directory). `flink audit` reads it.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HIDDEN, isSecretKey } from '../config/keys.js';

export interface AuditRecord {
  time: string;
  user: string;
  host: string;
  command: string;
  argv: string[];
  /** The command was run for the dashboard (a button), not typed. */
  via?: string;
  job?: string;
  paths: string[];
  /** A --force disposal, and the reason the user gave for it. */
  forced?: boolean;
  reason?: string;
  result: 'ok' | 'failed';
  exitCode: number;
  error?: string;
  durationMs: number;
}

/** What a command tells the audit log while it runs. */
export interface AuditNotes {
  job?: string;
  paths: string[];
  forced?: boolean;
  reason?: string;
}

/** argv as the audit log keeps it: the value of a secret -D property (-D s3.secret-key=..., -Dkey=...) replaced by ******. */
export function redactArgv(argv: readonly string[]): string[] {
  const redact = (property: string) => {
    const eq = property.indexOf('=');
    return eq > 0 && isSecretKey(property.slice(0, eq).trim()) ? `${property.slice(0, eq)}=${HIDDEN}` : property;
  };
  return argv.map((arg, i) => (arg.startsWith('-D') && arg.length > 2 ? `-D${redact(arg.slice(2))}` : argv[i - 1] === '-D' ? redact(arg) : arg));
}

export function appendAudit(file: string, record: AuditRecord): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // One write per line: appends of a line are atomic enough for concurrent cron runs on one machine.
  appendFileSync(file, JSON.stringify(record) + '\n');
}

export function readAudit(file: string): AuditRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as AuditRecord];
      } catch {
        return []; // a torn last line after a crash is skipped, not fatal
      }
    });
}

export function currentUser(env: NodeJS.ProcessEnv): string {
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? 'unknown';
  }
}
