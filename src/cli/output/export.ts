// The one output path of every command: a command hands over its result as data plus how a person reads it,
// and this exporter decides the form. With --json: one versioned JSON document on stdout per invocation,
// {"version":1, ...data}, written when the invocation ends (app.ts), so that a failure after the result (prune
// with nothing to prune, an upgrade rolled back) adds its "error" to the same document instead of a second one.
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

/** How an invocation failed, as its JSON document's "error" field. */
export interface JsonError {
  kind: string;
  message: string;
  exitCode: number;
  hint?: string;
  triggerId?: string;
  /** Structured facts of the failure (e.g. "candidates"). */
  [detail: string]: unknown;
}

// Per invocation (one IO each): the result a command emitted, and whether the document was written.
const results = new WeakMap<IO, object>();
const finished = new WeakSet<IO>();

/** The versioned JSON document of a result and/or an error. */
export function jsonDocument(data: object): string {
  return JSON.stringify({ version: JSON_VERSION, ...data });
}

/** Hands over a command's result: the human form now, or the JSON document's fields for the end. */
export async function emit(io: IO, output: Output): Promise<void> {
  if (!io.mode.json) return output.human?.(io);
  // One command, one result: a second one is a bug of the command, never a second document.
  if (results.has(io)) throw new Error('a command emitted two results');
  results.set(io, output.data);
}

/**
 * Lines for a person printed now, before a later step of the command (e.g. Flink's "Savepoint completed" line
 * before retention runs); the JSON document, emitted at the end, holds the same facts.
 */
export function humanNow(io: IO, show: (io: IO) => void): void {
  if (!io.mode.json) show(io);
}

/**
 * Ends the invocation's output. With --json it writes the one document: the result, the error, or the result
 * with the error that followed it (`{"version":1, ...result, "error":{...}}`). Only the first call writes (a
 * signal can arrive while the normal end runs).
 */
export function finishOutput(io: IO, error?: JsonError): void {
  if (!io.mode.json || finished.has(io)) return;
  finished.add(io);
  const data = results.get(io) ?? {};
  io.print(jsonDocument(error ? { ...data, error } : data));
}
