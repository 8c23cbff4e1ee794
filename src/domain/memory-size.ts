// Memory sizes as Flink writes them ("1g", "1728m", "512 mb", "64kb", "1024" = bytes), parsed to bytes.

const UNITS: ReadonlyArray<[readonly string[], number]> = [
  [['b', 'bytes'], 1],
  [['k', 'kb', 'kibibytes'], 1024],
  [['m', 'mb', 'mebibytes'], 1024 ** 2],
  [['g', 'gb', 'gibibytes'], 1024 ** 3],
  [['t', 'tb', 'tebibytes'], 1024 ** 4],
];

/** Bytes, or undefined if the text is not a memory size. A bare number means bytes (Flink's MemorySize rule). */
export function parseMemorySize(text: string): number | undefined {
  const match = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!match) return undefined;
  const unit = match[2].toLowerCase();
  for (const [names, factor] of UNITS) if (unit === '' || names.includes(unit)) return Number(match[1]) * factor;
  return undefined;
}
