// Values as people read them, shared by every command's human output.
import type { PinInfo } from '../../domain/pin.js';

/** 1536 -> "1.5 KB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

const pad = (n: number, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, '0');

/**
 * The one date format of this tool for people: ISO-like, local time, to the second: "2026-12-05 23:28:54".
 * (`flink list` keeps Flink's own "05.12.2026 23:28:49".)
 */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The same instant for scripts (--json, piped tables): ISO 8601 in local time with its zone, "2026-12-05T23:28:54.123+01:00". */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const zone = `${offset >= 0 ? '+' : '-'}${pad(offset / 60)}:${pad(offset % 60)}`;
  return `${formatTime(ms).replace(' ', 'T')}.${pad(d.getMilliseconds(), 3)}${zone}`;
}

/** argv as a shell line that gives the same words back: `--reason 'before v2'` (an empty word is ''). */
export function shellLine(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** A snapshot's pin in JSON documents (the listing's entries and `savepoints pin`). */
export function pinJson(pin: PinInfo): Record<string, unknown> {
  return { reason: pin.reason ?? null, user: pin.user ?? null, pinnedAt: pin.pinnedAt ?? null };
}
