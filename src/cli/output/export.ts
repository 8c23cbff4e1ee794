// The one output path of every command: a command hands over its result as data plus how a person reads it,
// and this exporter decides the form. With --json: one versioned JSON document on stdout, {"version":1, ...data}.
// Otherwise the human form, which is also the plain one when piped (tables become tab-separated lines in
// output/table.ts, Flink's key lines stay as Flink prints them). Commands never branch on the output mode.
import type { IO } from '../io.js';

/** The version of every JSON document the CLI prints (raise it only with an incompatible change). */
export const JSON_VERSION = 1;

export interface Output {
  /** The fields of the JSON document (the exporter puts "version" first). */
  data: object;
  /** What a person, or a script reading piped lines, gets instead; nothing when omitted. */
  human?(io: IO): void | Promise<void>;
}

/** The versioned JSON document of a result (also of an error: app.ts). */
export function jsonDocument(data: object): string {
  return JSON.stringify({ version: JSON_VERSION, ...data });
}

/** Writes a command's result in the form the invocation asked for. */
export async function emit(io: IO, output: Output): Promise<void> {
  if (io.mode.json) io.print(jsonDocument(output.data));
  else await output.human?.(io);
}

/**
 * Lines for a person printed now, before a later step of the command (e.g. Flink's "Savepoint completed" line
 * before retention runs); the JSON document, emitted at the end, holds the same facts.
 */
export function humanNow(io: IO, show: (io: IO) => void): void {
  if (!io.mode.json) show(io);
}
