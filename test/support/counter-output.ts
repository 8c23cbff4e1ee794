// The committed output of the counter fixture ("user,count,type,typeCount" lines in part files): exactly
// once means every user's counts run 1..n with no gap and no repeat.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function counterOutput(out: string): { records: number; exact: boolean } {
  const lines = readdirSync(out)
    .filter((f) => f.startsWith('part-'))
    .flatMap((f) => readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean));
  const byUser = new Map<string, number[]>();
  for (const line of lines) {
    const [user, count] = line.split(',');
    byUser.set(user, [...(byUser.get(user) ?? []), Number(count)]);
  }
  return { records: lines.length, exact: [...byUser.values()].every((counts) => counts.sort((a, b) => a - b).every((c, i) => c === i + 1)) };
}
