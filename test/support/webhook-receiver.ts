import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

export interface WebhookDelivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface WebhookReceiver {
  /** Where to send alerts; known once the suite's `beforeAll` ran. */
  readonly url: string;
  /** Every delivery so far, oldest first. */
  readonly deliveries: readonly WebhookDelivery[];
}

/**
 * A local alert receiver for the suite, keeping every delivery. Call it before `useBroker` so the
 * broker's settings can name its URL (hooks run in the order they were registered).
 */
export function useWebhookReceiver(): WebhookReceiver {
  const deliveries: WebhookDelivery[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    get url() {
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
    },
    deliveries,
  };
}
