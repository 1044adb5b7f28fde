import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, TEST_ENCRYPTION_KEY, type TestBroker } from '../support/broker.js';
import { createNamespaces, kubeClients } from '../support/kube.js';
import { captureState, expectUnchanged } from '../support/state.js';

const base = '/v1/namespaces/team-a/secrets';

/** Attacks on the secrets API by callers holding one narrow grant, and writes that fail half-way. */
describe('secrets under attack', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startBroker();
    await createNamespaces(broker.emulator, 'team-a');
    const admin = broker.as('admin');
    await admin
      .post('/v1/roles')
      .send({ name: 'lister', verbs: ['list'] })
      .expect(201);
    await admin
      .post('/v1/roles')
      .send({ name: 'creator', verbs: ['create'] })
      .expect(201);
    await admin
      .post('/v1/grants')
      .send({ subject: 'user:rot', role: 'rotator', namespace: 'team-a', namePattern: 'db-*' })
      .expect(201);
    await admin
      .post('/v1/grants')
      .send({ subject: 'user:lister', role: 'lister', namespace: 'team-a', namePattern: 'app-*' })
      .expect(201);
    await admin
      .post('/v1/grants')
      .send({ subject: 'user:other-lister', role: 'lister', namespace: 'team-a', namePattern: 'app-*' })
      .expect(201);
    await admin
      .post('/v1/grants')
      .send({ subject: 'user:creator', role: 'creator', namespace: 'team-a', namePattern: 'legacy' })
      .expect(201);
    for (const name of ['db-main', 'admin-creds', 'app-1', 'app-2', 'app-3']) {
      await admin
        .post(base)
        .send({ name, generate: { password: { type: 'password' } } })
        .expect(201);
    }
    await kubeClients(broker.emulator).core.createNamespacedSecret({
      namespace: 'team-a',
      body: {
        metadata: { name: 'legacy' },
        data: { password: Buffer.from('owned-by-someone-else').toString('base64') },
      },
    });
  });
  afterAll(async () => {
    await broker?.close();
  });

  describe('a caller holding only rotate cannot choose what the new value is', () => {
    it.each([
      ['a one-letter-pair alphabet', { generate: { password: { type: 'password', length: 64, alphabet: 'ab' } } }],
      ['an extra key', { generate: { extra: { type: 'uuid' } } }],
      ['the keys to rotate', { keys: ['password'] }],
    ])('refuses %s with 403 before anything is written', async (_label, body) => {
      const before = await captureState(broker);
      const refused = await broker.as('rot').post(`${base}/db-main/rotate`).send(body).expect(403);
      expect(refused.body.detail).toContain('no grant gives update');
      const added = await expectUnchanged(broker, before);
      expect(added.map((event) => [event.action, event.outcome])).toEqual([['update', 'denied']]);
    });

    it('refuses it over GraphQL too', async () => {
      const before = await captureState(broker);
      const result = await broker.graphql(
        'rot',
        'mutation($input: RotateSecretInput) { rotateSecret(namespace: "team-a", name: "db-main", input: $input) { version { version } } }',
        {
          input: { generate: { password: { type: 'password', length: 64, alphabet: 'ab' } } },
        },
      );
      expect(result.errors?.[0].extensions.code).toBe('FORBIDDEN');
      await expectUnchanged(broker, before);
    });

    it('still rotates with the stored policy', async () => {
      const rotated = await broker.as('rot').post(`${base}/db-main/rotate`).send({ reason: 'scheduled' }).expect(200);
      expect(rotated.body.version.reason).toBe('rotate');
    });
  });

  describe('generators refuse weak or oversized requests before anything is generated', () => {
    it.each([
      [
        'a 4-digit PIN',
        { pin: { type: 'password', length: 4, alphabet: '0123456789' } },
        /pin \(password\) gives 13\.3 bits of entropy; at least 64 are required/,
      ],
      [
        'a two-letter alphabet',
        { p: { type: 'password', length: 32, alphabet: 'ab' } },
        /p \(password\) gives 32(\.0)? bits/,
      ],
      ['four random bytes', { b: { type: 'bytes', length: 4 } }, /b \(bytes\) gives 32(\.0)? bits/],
      [
        'five RSA keys',
        Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((key) => [key, { type: 'rsa', bits: 4096 }])),
        /at most 4 are generated per request/,
      ],
      [
        '33 generated keys',
        Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, { type: 'uuid' }])),
        /at most 32 are generated per request/,
      ],
      [
        'more than a Secret holds',
        {
          a: { type: 'bytes', length: 65536, encoding: 'hex' },
          b: { type: 'bytes', length: 65536, encoding: 'hex' },
          c: { type: 'bytes', length: 65536, encoding: 'hex' },
          d: { type: 'bytes', length: 65536, encoding: 'hex' },
          e: { type: 'bytes', length: 65536, encoding: 'hex' },
          f: { type: 'bytes', length: 65536, encoding: 'hex' },
          g: { type: 'bytes', length: 65536, encoding: 'hex' },
          h: { type: 'bytes', length: 65536, encoding: 'hex' },
          i: { type: 'bytes', length: 65536, encoding: 'hex' },
        },
        /a Secret holds at most 1048576/,
      ],
    ])('refuses %s with 422 naming the generator or the cap, even from an admin', async (_label, generate, message) => {
      const before = await captureState(broker);
      const refused = await broker.as('admin').post(base).send({ name: 'weak', generate }).expect(422);
      expect(refused.body.detail).toMatch(message);
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });

    it('refuses a weak generator in a rotation and over GraphQL', async () => {
      const before = await captureState(broker);
      const rotation = await broker
        .as('admin')
        .post(`${base}/db-main/rotate`)
        .send({ generate: { password: { type: 'password', length: 8 } } })
        .expect(422);
      expect(rotation.body.details).toMatchObject({ key: 'password', generator: 'password', minimumBits: 64 });
      const result = await broker.graphql(
        'admin',
        'mutation { createSecret(namespace: "team-a", input: { name: "weak", generate: { pin: { type: "password", length: 6, alphabet: "0123456789" } } }) { version { version } } }',
      );
      expect(result.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toContain('gives 19.9 bits of entropy');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });

    it('refuses supplied data that leaves no room for the generated keys, before generating them', async () => {
      const before = await captureState(broker);
      const refused = await broker
        .as('admin')
        .post(base)
        .send({ name: 'full', data: { blob: 'x'.repeat(1_047_000) }, generate: { key: { type: 'rsa', bits: 4096 } } })
        .expect(422);
      expect(refused.body.detail).toContain('with the generated values');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });
  });

  describe('a failed create leaves nothing behind', () => {
    it('planting a rotation policy on an existing secret the broker does not manage: 409, no record', async () => {
      const before = await captureState(broker);
      await broker
        .as('creator')
        .post(base)
        .send({
          name: 'legacy',
          data: { password: 'attacker-chosen' },
          rotationPolicy: {
            generators: { password: { type: 'password' } },
            webhooks: ['http://attacker.example/hook'],
          },
        })
        .expect(409);
      await expectUnchanged(broker, before, { allowDecisions: true });
      expect((await broker.as('admin').get(`${base}/legacy`).expect(200)).body.state).toBe('unmanaged');
    });

    it('a cluster error on create: no record, no version', async () => {
      broker.emulator.faults.inject({ method: 'POST', path: /\/namespaces\/team-a\/secrets$/, status: 500 });
      const before = await captureState(broker);
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'db-new', generate: { password: { type: 'password' } } })
        .expect(503);
      await expectUnchanged(broker, before, { allowDecisions: true });
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'db-new', generate: { password: { type: 'password' } } })
        .expect(201);
    });
  });

  describe('a revoke that fails half-way leaves the secret fully revoked or untouched', () => {
    const failWhenSecretBecomes = async (state: string): Promise<() => Promise<void>> => {
      const dataSource = broker.app.get(DataSource);
      if (broker.database.kind === 'postgres') {
        await dataSource.query(
          `CREATE FUNCTION fail_${state}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected database failure'; END $$ LANGUAGE plpgsql`,
        );
        await dataSource.query(
          `CREATE TRIGGER fail_${state} BEFORE UPDATE ON secrets FOR EACH ROW WHEN (NEW.state = '${state}') EXECUTE FUNCTION fail_${state}()`,
        );
        return async () => {
          await dataSource.query(`DROP TRIGGER fail_${state} ON secrets`);
          await dataSource.query(`DROP FUNCTION fail_${state}()`);
        };
      }
      await dataSource.query(
        `CREATE TRIGGER fail_${state} BEFORE UPDATE ON secrets FOR EACH ROW WHEN NEW.state = '${state}' BEGIN SELECT RAISE(ABORT, 'injected database failure'); END`,
      );
      return async () => void (await dataSource.query(`DROP TRIGGER fail_${state}`));
    };

    it('the cluster refuses the delete: untouched', async () => {
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'db-refused', generate: { password: { type: 'password' } } })
        .expect(201);
      broker.emulator.faults.inject({ method: 'DELETE', path: /\/secrets\/db-refused$/, status: 403 });
      const before = await captureState(broker);
      await broker.as('admin').post(`${base}/db-refused/revoke`).send({ reason: 'leaked' }).expect(502);
      await expectUnchanged(broker, before, { allowDecisions: true });
    });

    it('the answer to the delete is lost but the object stayed: untouched after the next access', async () => {
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'db-lost', generate: { password: { type: 'password' } } })
        .expect(201);
      broker.emulator.faults.inject({ method: 'DELETE', path: /\/secrets\/db-lost$/, status: 503 });
      const before = await captureState(broker);
      await broker.as('admin').post(`${base}/db-lost/revoke`).send({ reason: 'leaked' }).expect(503);
      expect((await broker.as('admin').get(`${base}/db-lost`).expect(200)).body.state).toBe('active');
      await expectUnchanged(broker, before, { allowDecisions: true });
    });

    it('the database fails before the delete: untouched', async () => {
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'db-early', generate: { password: { type: 'password' } } })
        .expect(201);
      const restore = await failWhenSecretBecomes('revoking');
      const before = await captureState(broker);
      try {
        await broker.as('admin').post(`${base}/db-early/revoke`).send({ reason: 'leaked' }).expect(500);
      } finally {
        await restore();
      }
      await expectUnchanged(broker, before, { allowDecisions: true });
    });

    it('the database fails after the delete: fully revoked once it recovers, never rolled back', async () => {
      const created = await broker
        .as('admin')
        .post(base)
        .send({ name: 'db-late', data: { password: 'first-value-canary' } })
        .expect(201);
      await broker
        .as('admin')
        .post(`${base}/db-late/rotate`)
        .send({ generate: { password: { type: 'password' } } })
        .expect(200);
      const restore = await failWhenSecretBecomes('revoked');
      try {
        const failed = await broker.as('admin').post(`${base}/db-late/revoke`).send({ reason: 'leaked' }).expect(500);
        expect(JSON.stringify(failed.body)).not.toContain('first-value-canary');
        await expect(
          kubeClients(broker.emulator).core.readNamespacedSecret({ name: 'db-late', namespace: 'team-a' }),
        ).rejects.toMatchObject({ code: 404 });
        // While the database still fails, nothing can bring the old value back.
        const rollback = await broker
          .as('admin')
          .post(`${base}/db-late/rollback`)
          .send({ version: created.body.version.version });
        expect(rollback.status).toBeGreaterThanOrEqual(500);
        expect(JSON.stringify(rollback.body)).not.toContain('first-value-canary');
      } finally {
        await restore();
      }
      await broker.as('admin').post(`${base}/db-late/request`).send({}).expect(410);
      await broker.as('admin').post(`${base}/db-late/rollback`).send({ version: 1 }).expect(410);
      const versions = await broker.as('admin').get(`${base}/db-late/versions`).expect(200);
      expect(versions.body.map((version: { valuesRetained: boolean }) => version.valuesRetained)).toEqual([
        false,
        false,
      ]);
      // Re-creating the name starts afresh: the old versions' values are gone for good.
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'db-late', data: { password: 'new' } })
        .expect(201);
      await broker.as('admin').post(`${base}/db-late/rollback`).send({ version: 1 }).expect(422);
    });
  });

  describe('secret listings leak no names', () => {
    const namesIn = (cursor: string) =>
      ['admin-creds', 'db-main', 'legacy'].filter(
        (name) => Buffer.from(cursor, 'base64url').toString('latin1').includes(name) || cursor.includes(name),
      );

    it('pages through its own secrets with cursors that name nothing', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const response = await broker
          .as('lister')
          .get(base)
          .query({ limit: 1, ...(cursor ? { continue: cursor } : {}) })
          .expect(200);
        seen.push(...response.body.items.map((item: { name: string }) => item.name));
        cursor = response.body.continue ?? undefined;
        if (!cursor) break;
        expect(namesIn(cursor)).toEqual([]);
      }
      expect(seen).toEqual(['app-1', 'app-2', 'app-3']);
    });

    it.each([
      [
        'a cluster continue token',
        () =>
          Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 1, start: 'admin-creds\u0000' })).toString('base64'),
      ],
      ['a tampered cursor', (cursor: string) => `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'B' : 'A'}A`],
    ])('refuses %s with 400 before anything is decided', async (_label, forge) => {
      const first = await broker.as('lister').get(base).query({ limit: 1 }).expect(200);
      const before = await captureState(broker);
      const refused = await broker
        .as('lister')
        .get(base)
        .query({ limit: 1, continue: forge(first.body.continue) })
        .expect(400);
      expect(refused.body.detail).toContain('not a cursor');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });

    it("refuses another caller's cursor, and a cursor over GraphQL that REST did not issue to it", async () => {
      const first = await broker.as('lister').get(base).query({ limit: 1 }).expect(200);
      await broker.as('other-lister').get(base).query({ limit: 1, continue: first.body.continue }).expect(400);
      await broker
        .as('lister')
        .get(base)
        .query({ limit: 1, labelSelector: 'tier=db', continue: first.body.continue })
        .expect(400);
      const result = await broker.graphql(
        'lister',
        'query($c: String) { secrets(namespace: "team-a", first: 1, after: $c) { items { name } } }',
        { c: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ' },
      );
      expect(result.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('fingerprints are per secret', () => {
    it('differ for the same value in two secrets and match across versions of one', async () => {
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'fp-a', data: { password: 'same-value' } })
        .expect(201);
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'fp-b', data: { password: 'same-value' } })
        .expect(201);
      const fingerprint = async (name: string, version = 0) =>
        (await broker.as('admin').get(`${base}/${name}/versions`).expect(200)).body.at(version).fingerprints[0]
          .fingerprint;
      expect(await fingerprint('fp-a')).not.toBe(await fingerprint('fp-b'));
      await broker
        .as('admin')
        .put(`${base}/fp-a`)
        .send({ data: { password: 'other-value' } })
        .expect(200);
      await broker.as('admin').post(`${base}/fp-a/rollback`).send({ version: 1 }).expect(200);
      expect(await fingerprint('fp-a', 0)).toBe(await fingerprint('fp-a', 2));
      expect(await fingerprint('fp-a', 1)).not.toBe(await fingerprint('fp-a', 0));
    });

    it('re-keys fingerprints of the old broker-wide scheme at start', async () => {
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'fp-legacy', data: { password: 'legacy-value' } })
        .expect(201);
      const [current] = (await broker.as('admin').get(`${base}/fp-legacy/versions`).expect(200)).body;
      const brokerWideKey = createHmac('sha256', Buffer.from(TEST_ENCRYPTION_KEY, 'base64'))
        .update('secrets-broker fingerprint key v1')
        .digest();
      const legacy = createHmac('sha256', brokerWideKey)
        .update('password')
        .update('\0')
        .update('legacy-value')
        .digest('hex');
      await broker.app
        .get(DataSource)
        .query(
          `UPDATE secret_versions SET fingerprints = '${JSON.stringify({ password: legacy })}', fingerprint_scheme = 1 WHERE secret_id = (SELECT id FROM secrets WHERE name = 'fp-legacy')`,
        );
      await broker.restart();
      const [upgraded] = (await broker.as('admin').get(`${base}/fp-legacy/versions`).expect(200)).body;
      expect(upgraded.fingerprints).toEqual(current.fingerprints);
    });
  });

  describe('input hygiene', () => {
    it.each([
      ['too short', 'AAAAA'],
      ['unpadded', 'AAE'],
      ['non-zero padding bits', 'AB=='],
      ['whitespace', 'AAAA AAAA'],
    ])('decodes base64 strictly: %s is 422 and changes nothing', async (_label, value) => {
      const before = await captureState(broker);
      const refused = await broker
        .as('admin')
        .post(base)
        .send({ name: 'b64', data: { key: value }, dataEncoding: 'base64' })
        .expect(422);
      expect(refused.body.detail).toBe('Value of key key is not valid base64');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });

    it('stores keys named like Object.prototype members like any other key', async () => {
      const data = { constructor: 'c-value', toString: 't-value', valueOf: 'v-value', hasOwnProperty: 'h-value' };
      await broker.as('admin').post(base).send({ name: 'proto-keys', data }).expect(201);
      const values = (await broker.as('admin').post(`${base}/proto-keys/request`).send({}).expect(200)).body.values;
      expect(Object.fromEntries(values.map((item: { key: string; value: string }) => [item.key, item.value]))).toEqual(
        data,
      );
      const live = await kubeClients(broker.emulator).core.readNamespacedSecret({
        name: 'proto-keys',
        namespace: 'team-a',
      });
      expect(Object.keys(live.data ?? {}).sort()).toEqual(Object.keys(data).sort());
      const result = await broker.graphql(
        'admin',
        'mutation { createSecret(namespace: "team-a", input: { name: "proto-gql", data: { constructor: "x", valueOf: "y" } }) { secret { keys } } }',
      );
      expect(result.data?.createSecret).toEqual({ secret: { keys: ['constructor', 'valueOf'] } });
    });

    it('refuses a __proto__ key with 422 instead of losing it', async () => {
      const before = await captureState(broker);
      const refused = await broker
        .as('admin')
        .post(base)
        .set('Content-Type', 'application/json')
        .send('{"name":"proto","data":{"__proto__":"x","a":"b"}}')
        .expect(422);
      expect(refused.body.detail).toContain('__proto__');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });

    it.each([
      [
        'a NUL in a create reason',
        () =>
          broker
            .as('admin')
            .post(base)
            .send({ name: 'nul', data: { a: 'b' }, reason: 'x\u0000' }),
      ],
      [
        'a NUL in a label value',
        () =>
          broker
            .as('admin')
            .post(base)
            .send({ name: 'nul', data: { a: 'b' }, labels: { tier: 'd\u0000b' } }),
      ],
      [
        'a control character in a label key',
        () =>
          broker
            .as('admin')
            .post(base)
            .send({ name: 'nul', data: { a: 'b' }, labels: { 't\u0007ier': 'db' } }),
      ],
      [
        'a NUL in a request reason',
        () => broker.as('admin').post(`${base}/db-main/request`).send({ reason: '\u0000' }),
      ],
      [
        'a NUL in a revoke reason',
        () => broker.as('admin').post(`${base}/db-main/revoke`).send({ reason: 'leak\u0000' }),
      ],
      ['a NUL in a rotate reason', () => broker.as('admin').post(`${base}/db-main/rotate`).send({ reason: '\u0000' })],
    ])('refuses %s with 400 before anything is decided', async (_label, attack) => {
      const before = await captureState(broker);
      const refused = await attack().expect(400);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });
  });
});
