import { tokenFor } from './tokens.js';

/** One answer of a broker process: status, content type, and the body parsed when it is JSON. */
export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
  readonly text: string;
}

/** Calls a broker process over real HTTP as `user:<sub>` (no token when `sub` is undefined). */
export async function call(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  options: { sub?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.sub !== undefined) headers.authorization = `Bearer ${tokenFor(options.sub)}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  return { status: response.status, contentType, text, body: contentType.includes('json') ? JSON.parse(text) : text };
}
