import { describe, expect, it } from 'vitest';
import { createNamespace } from '../factories/index.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { useBroker, withBroker } from '../support/use-broker.js';

const INTROSPECTION = { query: '{ __schema { queryType { name } } }' };

/** A broker started without NODE_ENV, or with any value but `development`, behaves as production. */
describe('production behaviour unless NODE_ENV=development', () => {
  const broker = useBroker();

  it('closes GraphQL introspection, with a token or without', async () => {
    expect(broker.config.production).toBe(true);
    const anonymous = await broker.http().post('/graphql').send(INTROSPECTION);
    expect(anonymous.body.data?.__schema).toBeUndefined();
    const admin = await broker.as('admin').post('/graphql').send(INTROSPECTION);
    expect(admin.body.data?.__schema).toBeUndefined();
    expect(admin.body.errors[0].message).toMatch(/introspection/i);
  });

  it('refuses a plain http:// webhook even to loopback (422, nothing changed)', async () => {
    const namespace = await createNamespace(broker);
    const before = await captureState(broker);
    const refused = await broker
      .as('admin')
      .post('/v1/webhooks')
      .send({ url: 'http://127.0.0.1:9/hook', eventTypes: ['secret.rotated'], namespace })
      .expect(422);
    expect(refused.body.detail).toMatch(/https:\/\/ in production/);
    // The admin may manage webhooks (an allowed decision is recorded); the URL is what is refused.
    await expectUnchanged(broker, before, { allowDecisions: true });
  });

  it('NODE_ENV=test is production too; only development opens introspection', async () => {
    await withBroker({ NODE_ENV: 'test' }, async (testing) => {
      const answer = await testing.as('admin').post('/graphql').send(INTROSPECTION);
      expect(answer.body.data?.__schema).toBeUndefined();
    });
    await withBroker({ NODE_ENV: 'development' }, async (development) => {
      const answer = await development.as('admin').post('/graphql').send(INTROSPECTION).expect(200);
      expect(answer.body.data.__schema.queryType.name).toBe('Query');
    });
  });
});
