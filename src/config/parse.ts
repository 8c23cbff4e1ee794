// Parsers for Flink's two configuration file formats. Pure: text in, entries (with line numbers) out.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigError } from '../domain/errors.js';
import type { RawEntry } from './types.js';

/**
 * Flink 2's config.yaml: standard YAML 1.2; nested maps flatten with '.', so nested and flat spellings of
 * a key are the same key. Duplicate keys and invalid YAML are errors naming file and line.
 */
export function parseStandardYaml(text: string, file: string, options: { under?: string } = {}): RawEntry[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
    const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`Malformed YAML in ${file}:${line}: ${reason}`);
  }
  const entries: RawEntry[] = [];
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return entries;
  if (!isMap(root)) throw new ConfigError(`Malformed configuration in ${file}:1: expected a map of keys to values`);

  const seen = new Map<string, number>();
  const walk = (node: Node, prefix: string): void => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const fullKey = prefix === '' ? key : `${prefix}.${key}`;
      const line = keyNode && keyNode.range ? lineCounter.linePos(keyNode.range[0]).line : undefined;
      const value = pair.value as Node | null;
      if (isMap(value)) {
        walk(value, fullKey);
        continue;
      }
      const previous = seen.get(fullKey);
      if (previous !== undefined) {
        throw new ConfigError(`Malformed configuration in ${file}:${line}: key '${fullKey}' is also set at line ${previous}`);
      }
      seen.set(fullKey, line ?? 0);
      const text = scalarText(value);
      if (text === undefined) continue; // null / ~ : the key is present but unset
      entries.push({ key: fullKey, value: text, origin: { kind: 'file', file, line } });
    }
  };
  if (options.under === undefined) {
    walk(root, '');
  } else {
    // Only the subtree under one top-level key (package.json's "flink" key).
    const sub = root.items.find((pair) => isScalar(pair.key) && pair.key.value === options.under);
    if (sub && isMap(sub.value)) walk(sub.value as Node, '');
  }
  return entries;
}

function scalarText(node: Node | null): string | undefined {
  if (node === null || node === undefined) return undefined;
  if (isScalar(node)) {
    if (node.value === null) return undefined;
    return String(node.value);
  }
  if (isSeq(node)) {
    // Flink's list syntax in flat files is "a;b;c".
    return node.items.map((item) => scalarText(item as Node) ?? '').join(';');
  }
  return String(node);
}

/**
 * The legacy flink-conf.yaml (Flink <= 1.20): not real YAML. Each line on its own; '#' starts a comment
 * anywhere; split at the first ": "; lines without it are skipped with a warning; the last duplicate wins.
 */
export function parseLegacyFlinkConf(text: string, file: string): { entries: RawEntry[]; warnings: string[] } {
  const entries: RawEntry[] = [];
  const warnings: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const hash = raw.indexOf('#');
    const content = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (content === '') return;
    const sep = content.indexOf(': ');
    if (sep < 0) {
      warnings.push(`${file}:${line}: line skipped, expected 'key: value'`);
      return;
    }
    const key = content.slice(0, sep).trim();
    const value = content.slice(sep + 2).trim();
    if (key === '' || value === '') {
      warnings.push(`${file}:${line}: line skipped, empty key or value`);
      return;
    }
    entries.push({ key, value, origin: { kind: 'file', file, line } });
  });
  return { entries, warnings };
}

/** Flattens an already-loaded object (package.json "flink" key, flink.config.js) the same way as YAML. */
export function flattenObject(value: unknown, file: string): RawEntry[] {
  const entries: RawEntry[] = [];
  const walk = (node: unknown, prefix: string): void => {
    if (node === null || node === undefined) return;
    if (typeof node === 'object' && !Array.isArray(node)) {
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) walk(v, prefix === '' ? k : `${prefix}.${k}`);
      return;
    }
    if (prefix === '') throw new ConfigError(`Malformed configuration in ${file}: expected a map of keys to values`);
    const text = Array.isArray(node) ? node.map(String).join(';') : String(node);
    entries.push({ key: prefix, value: text, origin: { kind: 'file', file } });
  };
  walk(value, '');
  return entries;
}
