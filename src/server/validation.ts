// Request validation of the REST server: every malformed input becomes a 400 with a clear message.
import path from 'node:path';
import { pointerToPath } from '../domain/pointers.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);

export type Body = Record<string, unknown>;

export function asBody(value: unknown, type: string): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`Request did not match expected format ${type}.`);
  return value as Body;
}

export function optString(body: Body, field: string, type: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`Request did not match expected format ${type}: field '${field}' must be a string.`);
  return v;
}

export function optBool(body: Body, field: string, type: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`Request did not match expected format ${type}: field '${field}' must be a boolean.`);
  return v;
}

export function optInt(body: Body, field: string, type: string, min = 1): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw badRequest(`Request did not match expected format ${type}: field '${field}' must be an integer >= ${min}.`);
  return v;
}

export function optEnum<T extends string>(body: Body, field: string, values: readonly T[], type: string): T | undefined {
  const v = optString(body, field, type);
  if (v === undefined) return undefined;
  if (!values.includes(v as T)) throw badRequest(`Request did not match expected format ${type}: field '${field}' must be one of ${values.join(', ')}.`);
  return v as T;
}

export function optStringArray(body: Body, field: string, type: string): string[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw badRequest(`Request did not match expected format ${type}: field '${field}' must be an array of strings.`);
  return v as string[];
}

export function optHexId(body: Body, field: string, type: string): string | undefined {
  const v = optString(body, field, type);
  if (v === undefined) return undefined;
  if (!/^[0-9a-fA-F]{32}$/.test(v)) throw badRequest(`Request did not match expected format ${type}: field '${field}' must be 32 hex characters.`);
  return v.toLowerCase();
}

const HEX_ID_NAMES = { jobid: 'JobID', triggerid: 'TriggerId', vertexid: 'JobVertexID', applicationid: 'ApplicationID' } as const;

export function parseHexParam(value: string, what: keyof typeof HEX_ID_NAMES): string {
  if (!/^[0-9a-fA-F]{32}$/.test(value)) {
    throw badRequest(`Bad request, could not parse parameters: Cannot parse ${HEX_ID_NAMES[what]} from "${value}". The expected format is [0-9a-fA-F]{32}.`);
  }
  return value.toLowerCase();
}

/**
 * A directory or snapshot pointer given in a request: an absolute path, a file: URI, or an object-store URI
 * the coordinator writes to (s3://, s3a://, s3p://, wasbs://, wasb://, abfss://, abfs://, kept as given),
 * without NUL bytes and without '..' segments.
 */
export function localPathField(value: string, field: string): string {
  if (value.includes('\0')) throw badRequest(`Field ${field} must not contain NUL bytes.`);
  let p = value.trim();
  if (/^(s3|s3a|s3p|wasbs|wasb|abfss|abfs):\/\//i.test(p)) {
    if (p.split(/\/+/).includes('..')) throw badRequest(`Field ${field} must not contain '..' segments: ${value}`);
    if (!/^[^:]+:\/\/[^/]+\/./.test(p)) throw badRequest(`Field ${field} must name a path below the bucket or container: ${value}`);
    return p.replace(/\/+$/, '');
  }
  if (/^file:/i.test(p)) {
    const local = pointerToPath(p);
    if (local === undefined) throw badRequest(`Field ${field} is not a valid file URI: ${value}`);
    p = local;
  } else if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(p)) {
    throw badRequest(`Field ${field} uses a scheme the local coordinator cannot write to (local paths, file:, s3://, wasbs://, abfss://): ${value}`);
  }
  if (!path.isAbsolute(p)) throw badRequest(`Field ${field} must be an absolute path: ${value}`);
  if (p.split(/[\\/]+/).includes('..')) throw badRequest(`Field ${field} must not contain '..' segments: ${value}`);
  return path.normalize(p);
}
