import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, paths };

/** A typed client of the broker's REST API: every path, parameter, body and response from the OpenAPI document. */
export type BrokerClient = Client<paths>;

/** Named shapes of the API (request bodies, responses, the problem+json error). */
export type Schemas = components['schemas'];

/** The JSON body an operation takes, e.g. `RequestBody<'/v1/access-requests', 'post'>` (request schemas are inlined). */
export type RequestBody<Path extends keyof paths, Method extends keyof paths[Path]> = paths[Path][Method] extends {
  requestBody?: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;

/** A client for the broker at `baseUrl` (e.g. `http://127.0.0.1:8080`) that sends `token` in the Authorization header. */
export function createBrokerClient(baseUrl: string, token: string): BrokerClient {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
}
