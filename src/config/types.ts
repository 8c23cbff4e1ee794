// Shapes shared by the config loader (I/O) and the resolver (pure).

/** Where a value came from. */
export type Origin =
  | { kind: 'file'; file: string; line?: number }
  | { kind: 'dynamic' } // -D key=value
  | { kind: 'flag'; flag: string } // e.g. -m host:port
  | { kind: 'env'; name: string }
  | { kind: 'ad-hoc'; what: string } // a path given for this one operation
  | { kind: 'default' };

export interface RawEntry {
  /** The key exactly as written (flattened with dots when nested). */
  key: string;
  value: string;
  origin: Origin;
}

export type ConfigFileFormat = 'config.yaml' | 'flink-conf.yaml' | 'rc';

export interface LoadedConfig {
  /** How the configuration was found. */
  source: 'config-dir' | 'FLINK_CONF_DIR' | 'search' | 'none';
  /** The files read, in the order read. */
  files: Array<{ path: string; format: ConfigFileFormat }>;
  /** Entries of all files, in order; a later entry with the same key wins. */
  entries: RawEntry[];
  /** Problems that did not stop loading (skipped lines, ignored files). */
  warnings: string[];
}

export function describeOrigin(origin: Origin): string {
  switch (origin.kind) {
    case 'file':
      return origin.line === undefined ? origin.file : `${origin.file}:${origin.line}`;
    case 'dynamic':
      return '-D';
    case 'flag':
      return origin.flag;
    case 'env':
      return `environment ${origin.name}`;
    case 'ad-hoc':
      return origin.what;
    case 'default':
      return 'default';
  }
}
