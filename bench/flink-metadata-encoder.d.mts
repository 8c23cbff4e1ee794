import type { FlinkCheckpointMetadata } from '../src/storage/flink-metadata/types.js';

/** Encodes the reader's model back into Flink's `_metadata` bytes (benchmark and tests only). */
export function encodeFlinkMetadata(metadata: FlinkCheckpointMetadata, options?: { propertiesBytes?: Buffer }): Buffer;
