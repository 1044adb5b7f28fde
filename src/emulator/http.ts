import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from './errors.js';
import { PROTOBUF, decodeProtobuf } from './protobuf.js';
import type { JsonObject, JsonValue } from './types.js';

/** kube-apiserver's default request body limit (--max-request-bytes for non-etcd writes is 3 MiB). */
const MAX_BODY = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(errors.tooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
}

/** Parses a write body: JSON, or protobuf for the kinds kubectl's typed clients send that way. */
export async function readObject(req: IncomingMessage): Promise<JsonObject> {
  const body = await readBody(req);
  const type = mediaType(req);
  if (type === PROTOBUF) return decodeProtobuf(body);
  if (type !== 'application/json' && type !== '*/*')
    throw errors.unsupportedMediaType('application/json, application/vnd.kubernetes.protobuf');
  const value = parseJson(body);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.badRequest(
      "couldn't get version/kind; json parse error: json: cannot unmarshal into Go value of type struct",
    );
  }
  return value;
}

export function parseJson(body: Buffer): JsonValue {
  try {
    return JSON.parse(body.toString('utf8')) as JsonValue;
  } catch (err) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof ApiError) {
    sendJson(res, err.status.code, err.status, err.headers);
    return;
  }
  const internal = errors.internal(err instanceof Error ? err.message : String(err));
  sendJson(res, 500, internal.status);
}
