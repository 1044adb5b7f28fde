import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthenticationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { apiFailure, call, kubeConfigFor, secret } from './support.js';

const API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

describe('authentication, authorization, TokenRequest and TokenReview', () => {
  let emulator: KubernetesEmulator;
  let core: CoreV1Api;
  let authn: AuthenticationV1Api;

  const requestToken = async (name: string, spec: Record<string, unknown> = {}) =>
    (await core.createNamespacedServiceAccountToken({ name, namespace: 'default', body: { spec } as never })).status
      ?.token ?? '';
  const review = async (token: string, audiences?: string[]) =>
    (await authn.createTokenReview({ body: { spec: { token, audiences } } })).status;

  beforeAll(async () => {
    emulator = await KubernetesEmulator.start();
    const kc = kubeConfigFor(emulator);
    core = kc.makeApiClient(CoreV1Api);
    authn = kc.makeApiClient(AuthenticationV1Api);
    await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'app' } } });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('answers 401 Unauthorized without a valid token, over HTTP and HTTPS', async () => {
    for (const token of [null, 'wrong', 'a.b.c']) {
      const res = await call(emulator, 'GET', '/api/v1/namespaces', { token });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
    }
    const anonymous = kubeConfigFor(emulator, 'not-a-token').makeApiClient(CoreV1Api);
    expect((await apiFailure(anonymous.listNamespace())).code).toBe(401);
    expect((await call(emulator, 'GET', '/version', { token: null })).status).toBe(200);
  });

  it('issues TokenRequest tokens as RS256 JWTs with real claims, expiry and audiences', async () => {
    const sa = await core.readNamespacedServiceAccount({ name: 'app', namespace: 'default' });
    const response = await core.createNamespacedServiceAccountToken({
      name: 'app',
      namespace: 'default',
      body: { spec: { audiences: ['broker'], expirationSeconds: 1200 } },
    });
    expect(response.spec.audiences).toEqual(['broker']);
    expect(response.spec.expirationSeconds).toBe(1200);
    const token = response.status?.token ?? '';
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'RS256' });
    expect(typeof header.kid).toBe('string');
    expect(payload).toMatchObject({
      iss: API_AUDIENCE,
      sub: 'system:serviceaccount:default:app',
      aud: ['broker'],
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'app', uid: sa.metadata?.uid } },
    });
    expect(Number(payload.exp) - Number(payload.nbf)).toBe(1200);
    expect(new Date(response.status?.expirationTimestamp ?? 0).getTime() / 1000).toBe(Number(payload.exp));
    const missing = await apiFailure(
      core.createNamespacedServiceAccountToken({ name: 'ghost', namespace: 'default', body: { spec: {} } as never }),
    );
    expect(missing.body.message).toBe('serviceaccounts "ghost" not found');
    const short = await apiFailure(
      core.createNamespacedServiceAccountToken({
        name: 'app',
        namespace: 'default',
        body: { spec: { expirationSeconds: 60 } } as never,
      }),
    );
    expect(short.code).toBe(422);
    expect(short.body.message).toBe(
      'TokenRequest.authentication.k8s.io "app" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    );
  });

  it('reviews tokens: user, groups and audiences for a valid one', async () => {
    const token = await requestToken('app', { audiences: ['broker', 'other'] });
    const status = await review(token, ['broker']);
    expect(status).toMatchObject({
      authenticated: true,
      user: {
        username: 'system:serviceaccount:default:app',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      },
      audiences: ['broker'],
    });
    const wrongAudience = await review(token);
    expect(wrongAudience?.authenticated).toBeFalsy();
    expect(wrongAudience?.error).toContain('invalid bearer token');
  });

  it('does not authenticate a token bound to a deleted object, or an expired one', async () => {
    const bound = await core.createNamespacedSecret({ namespace: 'default', body: secret('lease-1') });
    const token = await requestToken('app', {
      audiences: ['broker'],
      boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'lease-1', uid: bound.metadata?.uid },
    });
    expect((await review(token, ['broker']))?.authenticated).toBe(true);
    await core.deleteNamespacedSecret({ name: 'lease-1', namespace: 'default' });
    const revoked = await review(token, ['broker']);
    expect(revoked?.authenticated).toBeFalsy();
    expect(revoked?.error).toBe('[invalid bearer token, service account token has been invalidated]');

    const stale = await apiFailure(
      core.createNamespacedServiceAccountToken({
        name: 'app',
        namespace: 'default',
        body: { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'lease-1' } } } as never,
      }),
    );
    expect(stale.body.message).toBe('secrets "lease-1" not found');

    const expiring = await requestToken('app', { audiences: ['broker'], expirationSeconds: 600 });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 601_000 });
    const expired = await review(expiring, ['broker']);
    expect(expired?.authenticated).toBeFalsy();
    expect(expired?.error).toBe('[invalid bearer token, service account token has expired]');
  });

  it('binds a token to one Secret object: a new Secret of the same name does not revive it', async () => {
    const bound = await core.createNamespacedSecret({ namespace: 'default', body: secret('lease-2') });
    const token = await requestToken('app', {
      audiences: ['broker'],
      expirationSeconds: 700,
      boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'lease-2' },
    });
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    expect(claims['kubernetes.io'].secret).toEqual({ name: 'lease-2', uid: bound.metadata?.uid });
    expect(claims.exp - claims.iat).toBe(700);
    expect((await review(token, ['broker']))?.authenticated).toBe(true);

    await core.deleteNamespacedSecret({ name: 'lease-2', namespace: 'default' });
    await core.createNamespacedSecret({ namespace: 'default', body: secret('lease-2') });
    const revived = await review(token, ['broker']);
    expect(revived?.authenticated).toBeFalsy();
    expect(revived?.error).toBe('[invalid bearer token, service account token has been invalidated]');
  });

  it('honours expirationSeconds of a bound token: valid until its exp, not after', async () => {
    await core.createNamespacedSecret({ namespace: 'default', body: secret('lease-3') });
    const issuedAt = Date.now();
    const token = await requestToken('app', {
      audiences: ['broker'],
      expirationSeconds: 900,
      boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'lease-3' },
    });
    vi.useFakeTimers({ toFake: ['Date'], now: issuedAt + 890_000 });
    expect((await review(token, ['broker']))?.authenticated).toBe(true);
    vi.setSystemTime(issuedAt + 902_000);
    expect((await review(token, ['broker']))?.error).toBe('[invalid bearer token, service account token has expired]');
  });

  it('lets a ServiceAccount token authenticate but forbids what it was not granted, with the real message', async () => {
    const token = await requestToken('app');
    const asApp = kubeConfigFor(emulator, token).makeApiClient(CoreV1Api);
    const list = await apiFailure(asApp.listNamespacedSecret({ namespace: 'default' }));
    expect(list.code).toBe(403);
    expect(list.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'secrets is forbidden: User "system:serviceaccount:default:app" cannot list resource "secrets" in API group "" in the namespace "default"',
      reason: 'Forbidden',
      details: { kind: 'secrets' },
      code: 403,
    });
    const get = await apiFailure(asApp.readNamespacedSecret({ name: 'x', namespace: 'default' }));
    expect(get.body.message).toBe(
      'secrets "x" is forbidden: User "system:serviceaccount:default:app" cannot get resource "secrets" in API group "" in the namespace "default"',
    );
    const ns = await apiFailure(asApp.listNamespace());
    expect(ns.body.message).toBe(
      'namespaces is forbidden: User "system:serviceaccount:default:app" cannot list resource "namespaces" in API group "" at the cluster scope',
    );

    emulator.grant({
      subject: 'system:serviceaccount:default:app',
      verbs: ['get', 'list'],
      resources: ['secrets'],
      namespace: 'default',
    });
    expect((await asApp.listNamespacedSecret({ namespace: 'default' })).items).toBeDefined();
    const write = await apiFailure(asApp.createNamespacedSecret({ namespace: 'default', body: secret('nope') }));
    expect(write.code).toBe(403);
  });

  it('rejects a token whose ServiceAccount was deleted', async () => {
    await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'short-lived' } } });
    const token = await requestToken('short-lived');
    expect((await call(emulator, 'GET', '/api', { token })).status).toBe(200);
    await core.deleteNamespacedServiceAccount({ name: 'short-lived', namespace: 'default' });
    expect((await call(emulator, 'GET', '/api', { token })).status).toBe(401);
  });
});
