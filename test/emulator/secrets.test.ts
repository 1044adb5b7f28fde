import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { apiFailure, call, kubeConfigFor, secret } from './support.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('Secrets through @kubernetes/client-node', () => {
  let emulator: KubernetesEmulator;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  beforeAll(async () => {
    emulator = await KubernetesEmulator.start();
    const kc = kubeConfigFor(emulator);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: 'team' } } });
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('creates, reads and lists a secret, folding stringData into data', async () => {
    const created = await core.createNamespacedSecret({
      namespace: 'team',
      body: {
        metadata: { name: 'db', labels: { app: 'db', tier: 'data' } },
        stringData: { password: 's3cret' },
        data: { user: b64('admin') },
      },
    });
    expect(created.type).toBe('Opaque');
    expect(created.data).toEqual({ user: b64('admin'), password: b64('s3cret') });
    expect(created.stringData).toBeUndefined();
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    const read = await core.readNamespacedSecret({ name: 'db', namespace: 'team' });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const listed = await core.listNamespacedSecret({ namespace: 'team' });
    expect(listed.items.map((s) => s.metadata?.name)).toEqual(['db']);
  });

  it('selects by labels (equality, inequality, set-based) and by metadata.name', async () => {
    const mk = (name: string, labels: Record<string, string>) =>
      core.createNamespacedSecret({ namespace: 'team', body: secret(name, { k: 'v' }, labels) });
    await mk('sel-a', { env: 'prod', team: 'x' });
    await mk('sel-b', { env: 'dev', team: 'x' });
    await mk('sel-c', { env: 'qa' });
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedSecret({ namespace: 'team', labelSelector, fieldSelector })).items.map(
        (s) => s.metadata?.name,
      );
    expect(await names('env=prod')).toEqual(['sel-a']);
    expect(await names('env==dev')).toEqual(['sel-b']);
    expect(await names('env!=prod,team')).toEqual(['sel-b']);
    expect(await names('env in (dev,qa)')).toEqual(['sel-b', 'sel-c']);
    expect(await names('env notin (dev,qa),env')).toEqual(['sel-a']);
    expect(await names('!team,env')).toEqual(['sel-c']);
    expect(await names(undefined, 'metadata.name=sel-b')).toEqual(['sel-b']);
    expect(await names('team=x', 'metadata.name!=sel-a')).toEqual(['sel-b']);
    const bad = await apiFailure(core.listNamespacedSecret({ namespace: 'team', fieldSelector: 'spec.foo=bar' }));
    expect(bad.code).toBe(400);
    expect(bad.body.message).toBe('field label not supported: spec.foo');
  });

  it('pages with limit and continue', async () => {
    await core.createNamespace({ body: { metadata: { name: 'paging' } } });
    for (let i = 0; i < 7; i++) await core.createNamespacedSecret({ namespace: 'paging', body: secret(`p-${i}`) });
    const first = await core.listNamespacedSecret({ namespace: 'paging', limit: 3 });
    expect(first.items.map((s) => s.metadata?.name)).toEqual(['p-0', 'p-1', 'p-2']);
    expect(first.metadata?.remainingItemCount).toBe(4);
    // A write between pages does not show up: the list is a snapshot at the first page's resourceVersion.
    await core.createNamespacedSecret({ namespace: 'paging', body: secret('p-3a') });
    await core.deleteNamespacedSecret({ name: 'p-5', namespace: 'paging' });
    const second = await core.listNamespacedSecret({
      namespace: 'paging',
      limit: 3,
      _continue: first.metadata?._continue,
    });
    expect(second.items.map((s) => s.metadata?.name)).toEqual(['p-3', 'p-4', 'p-5']);
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const third = await core.listNamespacedSecret({
      namespace: 'paging',
      limit: 3,
      _continue: second.metadata?._continue,
    });
    expect(third.items.map((s) => s.metadata?.name)).toEqual(['p-6']);
    expect(third.metadata?._continue).toBeUndefined();
  });

  it('replaces with resourceVersion optimistic concurrency', async () => {
    const original = await core.createNamespacedSecret({ namespace: 'team', body: secret('occ') });
    const updated = await core.replaceNamespacedSecret({
      name: 'occ',
      namespace: 'team',
      body: { ...original, data: { key: b64('v2') } },
    });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(original.metadata?.resourceVersion));
    const stale = await apiFailure(
      core.replaceNamespacedSecret({ name: 'occ', namespace: 'team', body: { ...original, data: { key: b64('v3') } } }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      message:
        'Operation cannot be fulfilled on secrets "occ": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'occ', kind: 'secrets' },
    });
    // An unchanged write is a no-op: same resourceVersion, no event.
    const same = await core.replaceNamespacedSecret({ name: 'occ', namespace: 'team', body: updated });
    expect(same.metadata?.resourceVersion).toBe(updated.metadata?.resourceVersion);
  });

  it('applies merge, strategic-merge and JSON patches', async () => {
    await core.createNamespacedSecret({
      namespace: 'team',
      body: secret('patchme', { a: '1', b: '2' }, { app: 'x' }),
    });
    const merged = await core.patchNamespacedSecret(
      {
        name: 'patchme',
        namespace: 'team',
        body: { metadata: { labels: { app: null, tier: 'web' } }, data: { b: null, c: b64('3') } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toEqual({ tier: 'web' });
    expect(merged.data).toEqual({ a: b64('1'), c: b64('3') });
    const strategic = await core.patchNamespacedSecret(
      { name: 'patchme', namespace: 'team', body: { stringData: { d: '4' } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.data?.d).toBe(b64('4'));
    const json = await core.patchNamespacedSecret(
      {
        name: 'patchme',
        namespace: 'team',
        body: [
          { op: 'test', path: '/data/a', value: b64('1') },
          { op: 'remove', path: '/data/a' },
          { op: 'add', path: '/metadata/annotations', value: { note: 'x' } },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(Object.keys(json.data ?? {}).sort()).toEqual(['c', 'd']);
    expect(json.metadata?.annotations).toEqual({ note: 'x' });
    const failed = await apiFailure(
      core.patchNamespacedSecret(
        { name: 'patchme', namespace: 'team', body: [{ op: 'test', path: '/data/c', value: 'nope' }] },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      ),
    );
    expect(failed.code).toBe(422);
    const stale = await apiFailure(
      core.patchNamespacedSecret(
        { name: 'patchme', namespace: 'team', body: { metadata: { resourceVersion: '1' }, data: { e: b64('5') } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(stale.body.reason).toBe('Conflict');
  });

  it('validates as the real server does, answering 422 Invalid with causes', async () => {
    const badName = await apiFailure(core.createNamespacedSecret({ namespace: 'team', body: secret('Bad_Name') }));
    expect(badName.code).toBe(422);
    expect(badName.body.message).toBe(
      `Secret "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
    expect(badName.body.details).toMatchObject({
      name: 'Bad_Name',
      kind: 'Secret',
      causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name' }],
    });

    const badKey = await apiFailure(
      core.createNamespacedSecret({
        namespace: 'team',
        body: { metadata: { name: 'badkey' }, data: { 'a b': b64('x') } },
      }),
    );
    expect(badKey.code).toBe(422);
    expect(badKey.body.details).toMatchObject({ causes: [{ field: 'data[a b]', reason: 'FieldValueInvalid' }] });

    const tooBig = await apiFailure(
      core.createNamespacedSecret({
        namespace: 'team',
        body: { metadata: { name: 'big' }, data: { blob: Buffer.alloc(1024 * 1024 + 1).toString('base64') } },
      }),
    );
    expect(tooBig.code).toBe(422);
    expect(tooBig.body.message).toBe('Secret "big" is invalid: data: Too long: may not be more than 1048576 bytes');
    await core.createNamespacedSecret({
      namespace: 'team',
      body: { metadata: { name: 'exactly-1mib' }, data: { blob: Buffer.alloc(1024 * 1024).toString('base64') } },
    });

    const badBase64 = await call(emulator, 'POST', '/api/v1/namespaces/team/secrets', {
      body: { metadata: { name: 'b64' }, data: { k: 'not base64!' } },
    });
    expect(badBase64.status).toBe(400);
    expect(badBase64.json.message).toBe(
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
    );
  });

  it('validates labels and, with fieldValidation=Strict, rejects unknown fields', async () => {
    const badLabel = await call(emulator, 'POST', '/api/v1/namespaces/team/secrets', {
      body: { metadata: { name: 'lbl', labels: { app: 'not valid' } } },
    });
    expect(badLabel.status).toBe(422);
    expect(badLabel.json.message).toBe(
      `Secret "lbl" is invalid: metadata.labels: Invalid value: "not valid": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    );
    const body = { metadata: { name: 'strict', colour: 'x' }, datta: {} };
    const strict = await call(emulator, 'POST', '/api/v1/namespaces/team/secrets?fieldValidation=Strict', { body });
    expect(strict.status).toBe(400);
    expect(strict.json).toMatchObject({
      reason: 'BadRequest',
      message: 'strict decoding error: unknown field "datta", unknown field "metadata.colour"',
    });
    expect((await call(emulator, 'POST', '/api/v1/namespaces/team/secrets', { body })).status).toBe(201);
  });

  it('deletes a collection by label selector', async () => {
    await core.createNamespace({ body: { metadata: { name: 'sweep' } } });
    for (const [name, tier] of [
      ['a', 'x'],
      ['b', 'x'],
      ['c', 'y'],
    ])
      await core.createNamespacedSecret({ namespace: 'sweep', body: secret(name, {}, { tier }) });
    await core.deleteCollectionNamespacedSecret({ namespace: 'sweep', labelSelector: 'tier=x' });
    expect((await core.listNamespacedSecret({ namespace: 'sweep' })).items.map((s) => s.metadata?.name)).toEqual(['c']);
  });

  it('answers 409 AlreadyExists and 404 NotFound with the real messages', async () => {
    await core.createNamespacedSecret({ namespace: 'team', body: secret('dup') });
    const dup = await apiFailure(core.createNamespacedSecret({ namespace: 'team', body: secret('dup') }));
    expect(dup).toMatchObject({
      code: 409,
      body: {
        reason: 'AlreadyExists',
        message: 'secrets "dup" already exists',
        details: { name: 'dup', kind: 'secrets' },
      },
    });
    const missing = await apiFailure(core.readNamespacedSecret({ name: 'nope', namespace: 'team' }));
    expect(missing).toMatchObject({
      code: 404,
      body: { kind: 'Status', reason: 'NotFound', message: 'secrets "nope" not found' },
    });
    const noNamespace = await apiFailure(core.createNamespacedSecret({ namespace: 'ghost', body: secret('x') }));
    expect(noNamespace).toMatchObject({
      code: 404,
      body: {
        reason: 'NotFound',
        message: 'namespaces "ghost" not found',
        details: { name: 'ghost', kind: 'namespaces' },
      },
    });
    const inGhost = await apiFailure(core.readNamespacedSecret({ name: 'x', namespace: 'ghost' }));
    expect(inGhost.body.message).toBe('secrets "x" not found');
    expect((await core.listNamespacedSecret({ namespace: 'ghost' })).items).toEqual([]);
  });

  it('keeps immutable secrets immutable', async () => {
    await core.createNamespacedSecret({
      namespace: 'team',
      body: { ...secret('frozen'), immutable: true },
    });
    const change = await apiFailure(
      core.patchNamespacedSecret(
        { name: 'frozen', namespace: 'team', body: { data: { key: b64('other') } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(change.code).toBe(422);
    expect(change.body.message).toBe(
      'Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    );
    const labelled = await core.patchNamespacedSecret(
      { name: 'frozen', namespace: 'team', body: { metadata: { labels: { ok: 'yes' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(labelled.metadata?.labels).toEqual({ ok: 'yes' });
  });

  it('deletes secrets and namespaces with their content', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedSecret({ namespace: 'doomed', body: secret('inside') });
    const status = await core.deleteNamespacedSecret({ name: 'inside', namespace: 'doomed' });
    expect(status).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'inside', kind: 'secrets' } });
    await core.createNamespacedSecret({ namespace: 'doomed', body: secret('inside-2') });
    await core.deleteNamespace({ name: 'doomed' });
    const gone = await apiFailure(core.readNamespace({ name: 'doomed' }));
    expect(gone.body.message).toBe('namespaces "doomed" not found');
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    expect((await core.listNamespacedSecret({ namespace: 'doomed' })).items).toEqual([]);
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'team']));
  });

  it('serves apps/v1 workloads: create, get, list, patch (restart) and delete', async () => {
    const template = {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
    };
    const selector = { matchLabels: { app: 'web' } };
    const deployment = await apps.createNamespacedDeployment({
      namespace: 'team',
      body: { metadata: { name: 'web' }, spec: { selector, template } },
    });
    expect(deployment.metadata?.generation).toBe(1);
    expect(deployment.spec?.replicas).toBe(1);
    expect(deployment.spec?.strategy?.type).toBe('RollingUpdate');
    await apps.createNamespacedStatefulSet({
      namespace: 'team',
      body: { metadata: { name: 'db' }, spec: { selector, template, serviceName: 'db' } },
    });
    await apps.createNamespacedDaemonSet({
      namespace: 'team',
      body: { metadata: { name: 'agent' }, spec: { selector, template } },
    });
    const restartedAt = new Date().toISOString();
    const restart = {
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } },
    };
    const patched = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'team', body: restart },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(patched.metadata?.generation).toBe(2);
    expect(patched.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(restartedAt);
    expect(patched.spec?.template.spec?.containers[0].image).toBe('nginx:1.27');
    expect(patched.status?.observedGeneration).toBe(2);
    const sts = await apps.patchNamespacedStatefulSet(
      { name: 'db', namespace: 'team', body: restart },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(sts.spec?.template.metadata?.annotations).toEqual({ 'kubectl.kubernetes.io/restartedAt': restartedAt });
    expect((await apps.listNamespacedDaemonSet({ namespace: 'team' })).items.map((d) => d.metadata?.name)).toEqual([
      'agent',
    ]);
    expect((await apps.readNamespacedStatefulSet({ name: 'db', namespace: 'team' })).spec?.serviceName).toBe('db');
    const invalid = await apiFailure(
      apps.createNamespacedDeployment({
        namespace: 'team',
        body: { metadata: { name: 'broken' }, spec: { selector: { matchLabels: { app: 'other' } }, template } },
      }),
    );
    expect(invalid.code).toBe(422);
    expect(invalid.body.message).toContain(
      'Deployment.apps "broken" is invalid: spec.template.metadata.labels: Invalid value:',
    );
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: 'team' });
    const gone = await apiFailure(apps.readNamespacedDeployment({ name: 'web', namespace: 'team' }));
    expect(gone.body).toMatchObject({
      message: 'deployments.apps "web" not found',
      details: { name: 'web', group: 'apps', kind: 'deployments' },
    });
  });
});
