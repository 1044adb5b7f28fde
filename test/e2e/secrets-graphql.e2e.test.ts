import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../support/broker.js';
import { createNamespaces, kubeClients } from '../support/kube.js';

const WRITE_RESULT = '{ secret { name state currentVersion keys } version { version state reason sourceVersion } }';

describe('secret lifecycle over GraphQL', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startBroker();
    await createNamespaces(broker.emulator, 'team-a');
  });
  afterAll(async () => {
    await broker?.close();
  });

  const run = async (query: string, variables?: Record<string, unknown>) => {
    const result = await broker.graphql('admin', query, variables);
    expect(result.errors).toBeUndefined();
    return result.data as Record<string, Record<string, unknown>>;
  };
  const requestValue = async () => {
    const response = await broker.as('admin').post('/graphql').send({
      query:
        'mutation { requestSecret(namespace: "team-a", name: "db-main") { version values { key value encoding } } }',
    });
    expect(response.headers['cache-control']).toBe('no-store');
    const data = response.body.data as Record<string, Record<string, unknown>>;
    const values = data.requestSecret.values as Array<{ key: string; value: string }>;
    return { version: data.requestSecret.version, value: values.find((item) => item.key === 'password')?.value };
  };

  it('create → request → rotate → rollback → revoke, as the REST flow', async () => {
    const created = await run(
      `mutation ($input: CreateSecretInput!) { createSecret(namespace: "team-a", input: $input) ${WRITE_RESULT} }`,
      {
        input: { name: 'db-main', generate: { password: { type: 'password' } } },
      },
    );
    expect(created.createSecret).toMatchObject({
      secret: { name: 'db-main', state: 'active', currentVersion: 1, keys: ['password'] },
      version: { version: 1, reason: 'create' },
    });
    const first = await requestValue();
    expect(first.version).toBe(1);

    const rotated = await run(
      `mutation { rotateSecret(namespace: "team-a", name: "db-main", input: { reason: "scheduled" }) ${WRITE_RESULT} }`,
    );
    expect(rotated.rotateSecret).toMatchObject({ version: { version: 2, state: 'current', reason: 'rotate' } });
    const second = await requestValue();
    expect(second).toMatchObject({ version: 2 });
    expect(second.value).not.toBe(first.value);
    const listed = await run(
      '{ secret(namespace: "team-a", name: "db-main") { currentVersion versions { version state } } }',
    );
    expect(listed.secret).toEqual({
      currentVersion: 2,
      versions: [
        { version: 2, state: 'current' },
        { version: 1, state: 'previous' },
      ],
    });

    const rolledBack = await run(
      `mutation { rollbackSecret(namespace: "team-a", name: "db-main", input: { version: 1 }) ${WRITE_RESULT} }`,
    );
    expect(rolledBack.rollbackSecret).toMatchObject({ version: { version: 3, reason: 'rollback', sourceVersion: 1 } });
    expect((await requestValue()).value).toBe(first.value);

    const updated = await run(
      `mutation { updateSecret(namespace: "team-a", name: "db-main", ifMatch: 3, input: { data: { password: "explicit" } }) ${WRITE_RESULT} }`,
    );
    expect(updated.updateSecret).toMatchObject({ version: { version: 4, reason: 'update' } });
    const stale = await broker.graphql(
      'admin',
      `mutation { updateSecret(namespace: "team-a", name: "db-main", ifMatch: 3, input: { data: { password: "late" } }) ${WRITE_RESULT} }`,
    );
    expect(stale.errors?.[0].extensions.code).toBe('CONFLICT');

    const revoked = await run(
      'mutation { revokeSecret(namespace: "team-a", name: "db-main", input: { reason: "leaked" }) { state } }',
    );
    expect(revoked.revokeSecret).toEqual({ state: 'revoked' });
    await expect(
      kubeClients(broker.emulator).core.readNamespacedSecret({ name: 'db-main', namespace: 'team-a' }),
    ).rejects.toMatchObject({ code: 404 });
    const gone = await broker.graphql(
      'admin',
      'mutation { requestSecret(namespace: "team-a", name: "db-main") { version } }',
    );
    expect(gone.errors?.[0].extensions).toMatchObject({ code: 'GONE', status: 410 });

    const page = await run('{ secrets(namespace: "team-a") { items { name } continue } }');
    expect(page.secrets).toEqual({ items: [], continue: null });
  });

  it('answers FORBIDDEN to a caller without a grant and BAD_USER_INPUT to a bad generator', async () => {
    const denied = await broker.graphql(
      'stranger',
      'mutation { requestSecret(namespace: "team-a", name: "db-main") { version } }',
    );
    expect(denied.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const bad = await broker.graphql(
      'admin',
      'mutation { createSecret(namespace: "team-a", input: { name: "x", generate: { k: { type: "magic" } } }) { secret { name } } }',
    );
    expect(bad.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
