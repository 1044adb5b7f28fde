import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { EnvelopeCipher } from '../../src/crypto/envelope-cipher.js';
import {
  createNamespace,
  createSecret,
  graphql,
  REQUEST_SECRET,
  SECRET_CONSUMERS,
  SECRET_VERSIONS,
  secretsPath,
} from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { createConsumerDeployment, kubeClients } from '../support/kube.js';
import { useBroker, withBroker } from '../support/use-broker.js';

const CANARY = 'canary-7f3d9a1e-value';
const CANARY_ROTATED_KEY = 'canary-key-material';

describe('secret safety: values, authorization, validation, concurrency and consumers', () => {
  const broker = useBroker();
  const canaryForms = [CANARY, Buffer.from(CANARY).toString('base64'), Buffer.from(CANARY).toString('hex')];

  it('never shows a value outside request responses: responses, errors, logs, version rows', async () => {
    const namespace = await createNamespace(broker);
    const base = secretsPath(namespace);
    const bodies: string[] = [];
    const keep = (response: { text: string }) => bodies.push(response.text);
    keep(
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'canary', data: { password: CANARY, [CANARY_ROTATED_KEY]: 'x' }, reason: 'canary test' })
        .expect(201),
    );
    keep(await broker.as('admin').get(`${base}/canary`).expect(200));
    keep(await broker.as('admin').get(base).expect(200));
    keep(await broker.as('admin').get(`${base}/canary/versions`).expect(200));
    keep(
      await broker
        .as('admin')
        .put(`${base}/canary`)
        .send({ data: { password: CANARY, 'bad key!': CANARY } })
        .expect(422),
    );
    keep(
      await broker
        .as('admin')
        .put(`${base}/canary`)
        .send({ data: { password: CANARY }, dataEncoding: 'base64' })
        .expect(422),
    );
    keep(await broker.as('nobody').post(`${base}/canary/request`).send({}).expect(403));
    const malformed = await broker
      .as('admin')
      .put(`${base}/canary`)
      .set('Content-Type', 'application/json')
      .send(`{"data":{"password":${CANARY}}}`)
      .expect(400);
    expect(malformed.body.detail).toBe('Malformed JSON body');
    keep(malformed);
    keep(
      await broker
        .as('admin')
        .put(`${base}/canary`)
        .send({ data: { password: `${CANARY}-2` } })
        .expect(200),
    );
    keep(await broker.as('admin').post(`${base}/canary/rollback`).send({ version: 1 }).expect(200));
    const versions = await graphql(broker, 'admin', SECRET_VERSIONS, { namespace, name: 'canary' });
    bodies.push(JSON.stringify(versions));

    const requested = await broker.as('admin').post(`${base}/canary/request`).send({}).expect(200);
    expect(requested.text).toContain(CANARY);

    const rows = await broker.app.get(DataSource).query('SELECT * FROM secret_versions');
    const haystacks = [...bodies, broker.logLines.join('\n'), JSON.stringify(rows)];
    for (const haystack of haystacks) {
      for (const form of canaryForms) expect(haystack).not.toContain(form);
    }
    expect(rows.length).toBeGreaterThanOrEqual(3);
  });

  it('answers 403 alike for an existing and a missing secret without a grant, before touching the cluster', async () => {
    const namespace = await createNamespace(broker);
    const base = secretsPath(namespace);
    await createSecret(broker, namespace, { name: 'canary' });
    broker.emulator.clearRequestLog();
    const existing = await broker.as('nobody').post(`${base}/canary/request`).send({}).expect(403);
    const missing = await broker.as('nobody').post(`${base}/does-not-exist/request`).send({}).expect(403);
    expect(existing.body.title).toBe(missing.body.title);
    expect(existing.body.detail.replace('canary', 'X')).toBe(missing.body.detail.replace('does-not-exist', 'X'));
    await broker.as('nobody').post(`${base}/does-not-exist/rotate`).send({}).expect(403);
    expect(secretRequests(broker)).toEqual([]);
  });

  it('rejects invalid names with 400 before anything reaches the cluster', async () => {
    const namespace = await createNamespace(broker);
    const base = secretsPath(namespace);
    broker.emulator.clearRequestLog();
    for (const path of [`${base}/Bad_Name`, '/v1/namespaces/Team_A/secrets/db-main', `${base}/${'a'.repeat(254)}`]) {
      const response = await broker.as('admin').get(path).expect(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    await broker
      .as('admin')
      .post(base)
      .send({ name: 'Not-Valid', data: { a: 'b' } })
      .expect(400);
    await broker
      .as('admin')
      .post(base)
      .send({ name: 'gen-bad', generate: { a: { type: 'magic' } } })
      .expect(422);
    await broker
      .as('admin')
      .post(base)
      .send({ name: 'gen-bad', generate: { a: { type: 'password', length: 2 } } })
      .expect(422);
    const requested = await graphql(broker, 'admin', REQUEST_SECRET, { namespace, name: 'Bad_Name' });
    expect(requested.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(secretRequests(broker)).toEqual([]);
  });

  it('lets exactly one of ten concurrent rotations win; the cluster holds the current version', async () => {
    const namespace = await createNamespace(broker);
    const base = secretsPath(namespace);
    await createSecret(broker, namespace, { name: 'contended' });
    // Slow the cluster writes so every rotation reads before any write lands (generously: CI machines are busy).
    broker.emulator.faults.inject({ method: 'PUT', path: /\/secrets\/contended$/, delayMs: 1500, times: 10 });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => broker.as('admin').post(`${base}/contended/rotate`).send({})),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);

    const versions = await broker.as('admin').get(`${base}/contended/versions`).expect(200);
    const current = versions.body.filter((v: { state: string }) => v.state === 'current');
    expect(current).toHaveLength(1);
    expect(versions.body).toHaveLength(2);
    const { core } = kubeClients(broker.emulator);
    const live = await core.readNamespacedSecret({ name: 'contended', namespace });
    const liveFingerprints = broker.app
      .get(EnvelopeCipher)
      .fingerprint({ password: Buffer.from(live.data?.password ?? '', 'base64') }, { namespace, name: 'contended' });
    expect(current[0].fingerprints).toEqual([{ key: 'password', fingerprint: liveFingerprints.password }]);
    expect(live.metadata?.annotations?.['secrets-broker.io/version']).toBe(String(current[0].version));
  });

  it('lists consumers and restarts them on rotate with restartWorkloads', async () => {
    const namespace = await createNamespace(broker);
    const base = secretsPath(namespace);
    await createSecret(broker, namespace, { name: 'db-app' });
    await createConsumerDeployment(broker.emulator, namespace, 'billing', 'db-app');
    await createConsumerDeployment(broker.emulator, namespace, 'unrelated', 'other-secret');
    const consumers = await broker.as('admin').get(`${base}/db-app/consumers`).expect(200);
    expect(consumers.body).toEqual([
      {
        kind: 'Deployment',
        namespace,
        name: 'billing',
        usages: [{ type: 'env', container: 'app', variable: 'DB_PASSWORD', key: 'password' }],
      },
    ]);
    const rotated = await broker.as('admin').post(`${base}/db-app/rotate`).send({ restartWorkloads: true }).expect(200);
    expect(rotated.body.restarted.map((workload: { name: string }) => workload.name)).toEqual(['billing']);
    const { apps } = kubeClients(broker.emulator);
    const billing = await apps.readNamespacedDeployment({ name: 'billing', namespace });
    expect(billing.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    const unrelated = await apps.readNamespacedDeployment({ name: 'unrelated', namespace });
    expect(unrelated.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();

    const listed = await graphql(broker, 'admin', SECRET_CONSUMERS, { namespace, name: 'db-app' });
    expect(listed.data?.secret).toMatchObject({
      consumers: [{ kind: 'Deployment', name: 'billing', usages: [{ type: 'env', variable: 'DB_PASSWORD' }] }],
    });
  });

  it('retries reads through 503 and 429 from the cluster, and maps an unavailable cluster to 503', async () => {
    // Reads of a watched secret never reach the API server; with the watch cache off, every read does.
    await withBroker({ WATCH_SECRETS: 'false' }, async (uncached) => {
      const namespace = await createNamespace(uncached);
      const base = secretsPath(namespace);
      await createSecret(uncached, namespace, { name: 'db-app' });
      uncached.emulator.faults.inject({ method: 'GET', path: /\/secrets\/db-app$/, status: 503, times: 1 });
      uncached.emulator.faults.inject({
        method: 'GET',
        path: /\/secrets\/db-app$/,
        status: 429,
        retryAfterSeconds: 0,
        times: 1,
      });
      await uncached.as('admin').post(`${base}/db-app/request`).send({}).expect(200);
      uncached.emulator.faults.inject({ method: 'GET', path: /\/secrets\/db-app$/, status: 503, times: 10 });
      const unavailable = await uncached.as('admin').post(`${base}/db-app/request`).send({}).expect(503);
      expect(unavailable.headers['content-type']).toContain('application/problem+json');
    });
  });
});

/** The cluster calls about Secrets (a periodic audit checkpoint may write its ConfigMap any time). */
function secretRequests(broker: Broker) {
  return broker.emulator.requests.filter((request) => request.path.includes('/secrets'));
}
