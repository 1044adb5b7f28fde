import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Where a benchmarked server listens: its base URL and, for https, the certificate it serves (trusted as the CA). */
export interface Endpoint {
  readonly url: string;
  readonly ca?: string;
}

export interface Answer {
  readonly status: number;
  readonly text: string;
}

/**
 * One request to a loopback server, over http or https. Global fetch cannot be told to trust
 * a certificate made at run time, so the https servers of the benchmarks are called through this.
 */
export function send(
  endpoint: Endpoint,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const url = new URL(path, endpoint.url);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: init.method ?? 'GET', headers: init.headers, ...(endpoint.ca ? { ca: endpoint.ca } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(init.body);
  });
}
