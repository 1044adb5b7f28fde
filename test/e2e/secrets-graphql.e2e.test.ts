import { describe, expect, it } from 'vitest';
import {
  CREATE_SECRET,
  createNamespace,
  createRole,
  createSecret,
  gql,
  grantRole,
  graphql,
  REQUEST_SECRET,
  REVOKE_SECRET,
  ROLLBACK_SECRET,
  ROTATE_SECRET,
  SECRET_VERSIONS,
  SECRETS,
  uniqueName,
  UPDATE_SECRET,
  type GraphqlDocument,
  type VariablesArgument,
} from '../factories/index.js';
import { kubeClients } from '../support/kube.js';
import { useBroker } from '../support/use-broker.js';

describe('secret lifecycle over GraphQL', () => {
  const broker = useBroker();

  /** Runs `document` as the admin, expecting no error. */
  const run = async <TData, TVariables>(
    document: GraphqlDocument<TData, TVariables>,
    ...variables: VariablesArgument<TVariables>
  ): Promise<TData> => {
    const result = await graphql(broker, 'admin', document, ...variables);
    expect(result.errors).toBeUndefined();
    return result.data as TData;
  };
  const requestValue = async (namespace: string) => {
    const result = await graphql(broker, 'admin', REQUEST_SECRET, { namespace, name: 'db-main' });
    expect(result.headers['cache-control']).toBe('no-store');
    const { version, values } = result.data?.requestSecret ?? { version: undefined, values: [] };
    return { version, value: values.find((item) => item.key === 'password')?.value };
  };

  it('create → request → rotate → rollback → revoke, as the REST flow', async () => {
    const namespace = await createNamespace(broker);
    const address = { namespace, name: 'db-main' };
    const created = await run(CREATE_SECRET, {
      namespace,
      input: { name: 'db-main', generate: { password: { type: 'password' } } },
    });
    expect(created.createSecret).toMatchObject({
      secret: { name: 'db-main', state: 'active', currentVersion: 1, keys: ['password'] },
      version: { version: 1, reason: 'create' },
    });
    const first = await requestValue(namespace);
    expect(first.version).toBe(1);

    const rotated = await run(ROTATE_SECRET, { ...address, input: { reason: 'scheduled' } });
    expect(rotated.rotateSecret).toMatchObject({ version: { version: 2, state: 'current', reason: 'rotate' } });
    const second = await requestValue(namespace);
    expect(second).toMatchObject({ version: 2 });
    expect(second.value).not.toBe(first.value);
    const listed = await run(SECRET_VERSIONS, address);
    expect(listed.secret).toMatchObject({
      currentVersion: 2,
      versions: [
        { version: 2, state: 'current' },
        { version: 1, state: 'previous' },
      ],
    });

    const rolledBack = await run(ROLLBACK_SECRET, { ...address, input: { version: 1 } });
    expect(rolledBack.rollbackSecret).toMatchObject({ version: { version: 3, reason: 'rollback', sourceVersion: 1 } });
    expect((await requestValue(namespace)).value).toBe(first.value);

    const updated = await run(UPDATE_SECRET, { ...address, ifMatch: 3, input: { data: { password: 'explicit' } } });
    expect(updated.updateSecret).toMatchObject({ version: { version: 4, reason: 'update' } });
    const stale = await graphql(broker, 'admin', UPDATE_SECRET, {
      ...address,
      ifMatch: 3,
      input: { data: { password: 'late' } },
    });
    expect(stale.errors?.[0].extensions.code).toBe('CONFLICT');

    const revoked = await run(REVOKE_SECRET, { ...address, input: { reason: 'leaked' } });
    expect(revoked.revokeSecret).toMatchObject({ state: 'revoked' });
    await expect(kubeClients(broker.emulator).core.readNamespacedSecret(address)).rejects.toMatchObject({ code: 404 });
    const gone = await graphql(broker, 'admin', REQUEST_SECRET, address);
    expect(gone.errors?.[0].extensions).toMatchObject({ code: 'GONE', status: 410 });

    const page = await run(SECRETS, { namespace });
    expect(page.secrets).toEqual({ items: [], continue: null });
  });

  it('answers FORBIDDEN to a caller without a grant and BAD_USER_INPUT to a bad generator', async () => {
    const namespace = await createNamespace(broker);
    await createSecret(broker, namespace, { name: 'db-main' });
    const denied = await graphql(broker, 'stranger', REQUEST_SECRET, { namespace, name: 'db-main' });
    expect(denied.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const bad = await graphql(broker, 'admin', CREATE_SECRET, {
      namespace,
      input: { name: 'x', generate: { k: { type: 'magic' } } },
    });
    expect(bad.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  // Field resolvers run no route guard: their service checks `list` on each parent (the permission snapshot says so).
  it('resolves Secret.versions and Secret.consumers only for a caller who may list that secret', async () => {
    const namespace = await createNamespace(broker);
    await createSecret(broker, namespace, { name: 'db-main' });
    const rotateOnly = await createRole(broker, { verbs: ['rotate'] });
    const [blind, lister] = [uniqueName('blind'), uniqueName('lister')];
    await grantRole(broker, { subject: `user:${blind}`, role: rotateOnly.name, namespace });
    await grantRole(broker, { subject: `user:${lister}`, role: rotateOnly.name, namespace });
    await grantRole(broker, { subject: `user:${lister}`, role: 'reader', namespace });
    const rotateWithHistory = gql<
      { rotateSecret: { version: { version: number }; secret: { versions: unknown[]; consumers: unknown[] } } },
      { namespace: string; name: string }
    >(`mutation ($namespace: String!, $name: String!) {
      rotateSecret(namespace: $namespace, name: $name) { version { version } secret { versions { version } consumers { name } } }
    }`);

    const refused = await graphql(broker, blind, rotateWithHistory, { namespace, name: 'db-main' });
    expect(refused.data).toBeNull();
    expect(refused.errors?.map((error) => [error.extensions.code, error.message])).toEqual([
      ['FORBIDDEN', expect.stringContaining(`no grant gives list on ${namespace}/db-main`)],
    ]);
    const allowed = await graphql(broker, lister, rotateWithHistory, { namespace, name: 'db-main' });
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data?.rotateSecret).toMatchObject({ version: { version: 3 }, secret: { consumers: [] } });
    expect(allowed.data?.rotateSecret.secret.versions).toHaveLength(3);
  });
});
