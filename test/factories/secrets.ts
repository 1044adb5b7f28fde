import type { Broker } from '../support/broker.js';
import { kubeClients } from '../support/kube.js';
import type { SecretWriteBody } from './api-types.js';
import { uniqueName } from './names.js';

/** A create request's body; with neither `data` nor `generate`, a generated `password` key. */
export interface SecretSpec {
  /** Defaults to a name no other test uses. */
  readonly name?: string;
  readonly data?: Record<string, string>;
  readonly generate?: Record<string, Record<string, unknown>>;
  readonly labels?: Record<string, string>;
  readonly reason?: string;
  readonly rotationPolicy?: Record<string, unknown>;
}

/** The path of a namespace's secrets, or of one secret in it. */
export function secretsPath(namespace: string, name?: string): string {
  return `/v1/namespaces/${namespace}/secrets${name === undefined ? '' : `/${name}`}`;
}

/** A managed secret created by the bootstrapped admin through the REST API; returns the write result. */
export async function createSecret(broker: Broker, namespace: string, spec: SecretSpec = {}): Promise<SecretWriteBody> {
  const { name = uniqueName('secret'), data, generate, ...rest } = spec;
  const values = data || generate ? { data, generate } : { generate: { password: { type: 'password' } } };
  const response = await broker
    .as('admin')
    .post(secretsPath(namespace))
    .send({ name, ...values, ...rest })
    .expect(201);
  return response.body as SecretWriteBody;
}

/** A Secret created in the cluster behind the broker's back (unmanaged until the broker writes it). */
export async function createUnmanagedSecret(
  broker: Broker,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<{ uid: string }> {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  );
  const created = await kubeClients(broker.emulator).core.createNamespacedSecret({
    namespace,
    body: { metadata: { name }, data: encoded },
  });
  return { uid: created.metadata?.uid ?? '' };
}
