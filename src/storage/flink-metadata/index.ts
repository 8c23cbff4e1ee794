// Apache Flink's `_metadata`: the pure decoder (decode.ts) and views over what it decodes (summary.ts). Reading
// and checking the files a snapshot references happens through the storage interface, on every store
// (storage/index.ts: inspect, verify.ts: checkReferencedFiles).
import type { ReferencedFile } from './summary.js';
import type { FlinkCheckpointMetadata } from './types.js';

export { decodeFlinkMetadata, FLINK_METADATA_MAGIC, FlinkMetadataError, HANDLE, SUPPORTED_VERSIONS } from './decode.js';
export {
  CHANGELOG_SNAPPY,
  localPathOf,
  operatorBytes,
  referencedFiles,
  sizeProblem,
  streamHandles,
  totalBytes,
  usesChangelog,
  type ReferencedFile,
} from './summary.js';
export type * from './types.js';

/** A Flink snapshot read for inspection: its folder (a local path or the URI), its decoded metadata, and every file it references. */
export interface FlinkSnapshot {
  directory: string;
  metadata: FlinkCheckpointMetadata;
  files: ReferencedFile[];
}
