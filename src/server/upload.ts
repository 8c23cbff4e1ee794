// POST /jars/upload: one multipart file (a job module or a jar), streamed to the dispatcher's artifact store
// with a size limit; a truncated upload is removed again.
import type { IncomingMessage } from 'node:http';
import type { ArtifactInfo } from '../coordinator/artifact-store.js';
import type { Dispatcher } from './dispatcher.js';
import { badRequest, HttpError } from './validation.js';

export async function receiveUpload(req: IncomingMessage, dispatcher: Dispatcher, limit: number): Promise<ArtifactInfo> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) throw badRequest('Only multipart/form-data uploads are accepted.');
  if (Number(req.headers['content-length'] ?? 0) > limit + 64 * 1024) throw new HttpError(413, `Upload is larger than ${limit} bytes.`);
  const { default: Busboy } = await import('busboy');
  return new Promise<ArtifactInfo>((resolve, reject) => {
    let files = 0;
    let pending: Promise<ArtifactInfo> | undefined;
    let failed: Error | undefined;
    const busboy = Busboy({ headers: req.headers, limits: { fileSize: limit, files: 2, fields: 4 } });
    busboy.on('file', (_field, stream, info) => {
      files++;
      if (files > 1) {
        stream.resume();
        return;
      }
      if (!/\.(jar|js|mjs|cjs|ts)$/i.test(info.filename ?? '') || /[\\/]/.test(info.filename ?? '')) {
        failed = badRequest('Only job modules (.js, .mjs, .cjs, .ts) and jar files are allowed.');
        stream.resume();
        return;
      }
      stream.on('limit', () => {
        failed = new HttpError(413, `Upload is larger than ${limit} bytes.`);
      });
      pending = dispatcher.uploadArtifact(info.filename, stream);
      pending.catch(() => {});
    });
    busboy.on('error', (error) => reject(badRequest(`Malformed multipart upload: ${(error as Error).message}`)));
    busboy.on('close', () => {
      if (files !== 1 || (!pending && !failed)) return reject(failed ?? badRequest(`Exactly 1 file must be sent, received ${files}.`));
      if (!pending) return reject(failed);
      pending.then(
        // A truncated upload (over the limit) is removed again, never kept.
        (artifact) => (failed ? dispatcher.deleteArtifact(artifact.id).finally(() => reject(failed)) : resolve(artifact)),
        (error) => reject(failed ?? error),
      );
    });
    req.pipe(busboy);
  });
}
