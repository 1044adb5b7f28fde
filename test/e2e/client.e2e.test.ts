import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerClient } from '../../clients/typescript/index.js';
import { requestCredentials } from '../../clients/typescript/example.js';
import { createNamespace } from '../factories/index.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { tokenFor } from '../support/tokens.js';

// The generated TypeScript client (clients/typescript); its compile checks are in test/client.test.ts.
describe('the generated TypeScript client', () => {
  describe('against a live broker', () => {
    let broker: TestBroker;
    let baseUrl: string;
    beforeAll(async () => {
      broker = await startBroker();
      await broker.app.listen(0, '127.0.0.1');
      baseUrl = await broker.app.getUrl();
    });
    afterAll(async () => {
      await broker?.close();
    });

    it('creates a secret, and the example requests its credentials at start-up', async () => {
      const namespace = await createNamespace(broker);
      const client = createBrokerClient(baseUrl, tokenFor('admin'));
      const created = await client.POST('/v1/namespaces/{namespace}/secrets', {
        params: { path: { namespace } },
        body: { name: 'app-db', data: { username: 'app', password: 'correct horse battery staple' } },
      });
      expect(created.response.status).toBe(201);
      expect(created.data?.version.version).toBe(1);

      const credentials = await requestCredentials(client, namespace, 'app-db');
      expect([...credentials.keys()]).toEqual(['password', 'username']);
      expect(credentials.get('username')).toBe('app');
    });

    it('sends no body where none is needed, and reads the problem of a refusal', async () => {
      const namespace = await createNamespace(broker);
      const admin = createBrokerClient(baseUrl, tokenFor('admin'));
      await admin.POST('/v1/namespaces/{namespace}/secrets', {
        params: { path: { namespace } },
        body: { name: 'api-key', generate: { key: { type: 'password' } } },
      });
      const rotated = await admin.POST('/v1/namespaces/{namespace}/secrets/{name}/rotate', {
        params: { path: { namespace, name: 'api-key' } },
      });
      expect(rotated.data?.version.version).toBe(2);

      const stranger = createBrokerClient(baseUrl, tokenFor('stranger'));
      await expect(requestCredentials(stranger, namespace, 'api-key')).rejects.toThrow(/^403 Forbidden: /);
      const refused = await stranger.GET('/v1/namespaces/{namespace}/secrets/{name}', {
        params: { path: { namespace, name: 'api-key' } },
      });
      expect(refused.error?.status).toBe(403);
      expect(refused.error?.requestId).toBe(refused.response.headers.get('x-request-id'));
    });
  });
});
