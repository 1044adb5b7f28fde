import type { Broker } from '../support/broker.js';
import type { GrantBody, RoleBody } from './api-types.js';
import { uniqueName } from './names.js';

export interface GrantSpec {
  /** `user:<name>`, `group:<name>` or `serviceaccount:<namespace>/<name>`. */
  readonly subject: string;
  readonly role: string;
  readonly namespace: string;
  /** Defaults to every name (`*`). */
  readonly namePattern?: string;
  readonly expiresAt?: Date | string;
  readonly reason?: string;
}

/** Binds `subject` to `role` as the bootstrapped admin; returns the created grant. */
export async function grantRole(broker: Broker, spec: GrantSpec): Promise<GrantBody> {
  const { expiresAt, ...rest } = spec;
  const body = { ...rest, ...(expiresAt ? { expiresAt: new Date(expiresAt).toISOString() } : {}) };
  const response = await broker.as('admin').post('/v1/grants').send(body).expect(201);
  return response.body as GrantBody;
}

export interface RoleSpec {
  readonly verbs: readonly string[];
  /** Defaults to a name no other test uses. */
  readonly name?: string;
  readonly description?: string;
}

/** A custom role created by the bootstrapped admin. */
export async function createRole(broker: Broker, spec: RoleSpec): Promise<RoleBody> {
  const body = { name: spec.name ?? uniqueName('role'), verbs: spec.verbs, description: spec.description };
  const response = await broker.as('admin').post('/v1/roles').send(body).expect(201);
  return response.body as RoleBody;
}
