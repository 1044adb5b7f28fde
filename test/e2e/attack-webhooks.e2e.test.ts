import { describe, expect, it } from 'vitest';
import { createNamespace, createRole, gql, graphql, grantRole, uniqueName } from '../factories/index.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

const CREATE_WEBHOOK = gql<
  { createWebhook: { id: string } },
  { input: { url: string; eventTypes: string[]; namespace: string; namePattern?: string } }
>('mutation CreateWebhook($input: CreateWebhookInput!) { createWebhook(input: $input) { id } }');

describe('attacks on lifecycle webhooks: a manager subscribes only where it may list', () => {
  const broker = useBroker();

  const subscribe = async (body: Record<string, unknown>, as = 'admin'): Promise<{ id: string }> =>
    (await broker.as(as).post('/v1/webhooks').send(body).expect(201)).body as { id: string };

  it('refuses a scope wider than its grants, another namespace, or no list at all (403, nothing changed)', async () => {
    const namespace = await createNamespace(broker);
    const other = await createNamespace(broker);
    const manager = uniqueName('manager');
    const managesAndLists = await createRole(broker, { verbs: ['webhooks:manage', 'list'] });
    const managesOnly = await createRole(broker, { verbs: ['webhooks:manage'] });
    await grantRole(broker, {
      subject: `user:${manager}`,
      role: managesAndLists.name,
      namespace,
      namePattern: 'app-*',
    });
    await grantRole(broker, { subject: `user:${manager}`, role: managesOnly.name, namespace: other });
    const attempts = [
      { namespace, namePattern: '*' },
      { namespace, namePattern: 'db-*' },
      { namespace: '*', namePattern: 'app-*' },
      { namespace: other, namePattern: '*' },
    ];
    const before = await captureState(broker);
    for (const scope of attempts) {
      await broker
        .as(manager)
        .post('/v1/webhooks')
        .send({ url: 'https://hooks.example.com/x', eventTypes: ['secret.rotated'], ...scope })
        .expect(403);
    }
    const refusals = await expectUnchanged(broker, before);
    expect(refusals.filter((event) => event.outcome === 'denied')).toHaveLength(attempts.length);
    // Inside its scope it may.
    await subscribe(
      { url: 'https://hooks.example.com/x', eventTypes: ['secret.rotated'], namespace, namePattern: 'app-*' },
      manager,
    );
  });

  it('a manager neither sees nor deletes a subscription beyond its scope (404, nothing changed)', async () => {
    const namespace = await createNamespace(broker);
    const manager = uniqueName('manager');
    const role = await createRole(broker, { verbs: ['webhooks:manage', 'list'] });
    await grantRole(broker, { subject: `user:${manager}`, role: role.name, namespace, namePattern: 'app-*' });
    const wide = await subscribe({ url: 'https://hooks.example.com/x', eventTypes: ['secret.rotated'], namespace });
    const before = await captureState(broker);
    await broker.as(manager).get(`/v1/webhooks/${wide.id}`).expect(404);
    await broker.as(manager).delete(`/v1/webhooks/${wide.id}`).expect(404);
    await broker.as(manager).post(`/v1/webhooks/${wide.id}/signing-secret`).expect(404);
    await broker.as(manager).get(`/v1/webhooks/${wide.id}/deliveries`).expect(404);
    const listed = await broker.as(manager).get('/v1/webhooks').expect(200);
    expect((listed.body as Array<{ id: string }>).map((webhook) => webhook.id)).not.toContain(wide.id);
    await expectUnchanged(broker, before, { allowDecisions: true });
  });

  it('a caller without webhooks:manage is refused at the route (403)', async () => {
    const reader = uniqueName('reader');
    const namespace = await createNamespace(broker);
    await grantRole(broker, { subject: `user:${reader}`, role: 'reader', namespace });
    const before = await captureState(broker);
    await broker
      .as(reader)
      .post('/v1/webhooks')
      .send({ url: 'https://hooks.example.com/x', eventTypes: ['secret.rotated'], namespace })
      .expect(403);
    await broker.as(reader).get('/v1/webhooks').expect(403);
    await expectUnchanged(broker, before);
  });

  it('the same refusal through GraphQL createWebhook (FORBIDDEN, nothing changed)', async () => {
    const namespace = await createNamespace(broker);
    const manager = uniqueName('manager');
    const role = await createRole(broker, { verbs: ['webhooks:manage', 'list'] });
    await grantRole(broker, { subject: `user:${manager}`, role: role.name, namespace, namePattern: 'app-*' });
    const before = await captureState(broker);
    const result = await graphql(broker, manager, CREATE_WEBHOOK, {
      input: { url: 'https://hooks.example.com/x', eventTypes: ['secret.rotated'], namespace, namePattern: 'db-*' },
    });
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await expectUnchanged(broker, before);
  });
});
