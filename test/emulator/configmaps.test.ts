import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { Kubectl, apiFailure, call, kubeConfigFor } from './support.js';

/** The first `count` events of a watch on the plain-HTTP listener. */
async function watchEvents(
  emulator: KubernetesEmulator,
  path: string,
  count: number,
): Promise<Array<{ type: string; object: V1ConfigMap }>> {
  const controller = new AbortController();
  const response = await fetch(`${emulator.httpUrl}${path}`, {
    headers: { authorization: `Bearer ${emulator.adminToken}` },
    signal: controller.signal,
  });
  let text = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += Buffer.from(chunk).toString('utf8');
      if (text.split('\n').length > count) break;
    }
  } finally {
    controller.abort();
  }
  return text
    .split('\n')
    .slice(0, count)
    .map((line) => JSON.parse(line) as { type: string; object: V1ConfigMap });
}

describe('ConfigMaps through kubectl', () => {
  let emulator: KubernetesEmulator;
  let kubectl: Kubectl;

  beforeAll(async () => {
    emulator = await KubernetesEmulator.start();
    kubectl = await Kubectl.create(emulator);
  });

  afterAll(async () => {
    await kubectl.dispose();
    await emulator.stop();
  });

  it('creates (protobuf body, text and binary values), gets as a table and as JSON, and deletes', async () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x01]);
    const blob = join(kubectl.dir, 'blob.bin');
    await writeFile(blob, binary);
    expect(
      await kubectl.ok([
        'create',
        'configmap',
        'app-config',
        '--from-literal=mode=fast',
        '--from-literal=level=3',
        `--from-file=blob=${blob}`,
      ]),
    ).toBe('configmap/app-config created\n');
    const table = await kubectl.ok(['get', 'configmaps']);
    expect(table).toMatch(/^NAME\s+DATA\s+AGE\n/);
    expect(table).toMatch(/app-config\s+3\s+\d+s/);
    expect(await kubectl.ok(['get', 'cm', '-o', 'name'])).toBe('configmap/app-config\n');
    const got = JSON.parse(await kubectl.ok(['get', 'configmap', 'app-config', '-o', 'json'])) as V1ConfigMap;
    expect(got).toMatchObject({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      data: { mode: 'fast', level: '3' },
      binaryData: { blob: binary.toString('base64') },
    });
    expect(got.metadata?.namespace).toBe('default');
    const again = await kubectl.run(['create', 'configmap', 'app-config', '--from-literal=a=b']);
    expect(again.stderr).toContain('configmaps "app-config" already exists');
    expect(await kubectl.ok(['delete', 'configmap', 'app-config'])).toBe('configmap "app-config" deleted\n');
    expect((await kubectl.run(['get', 'configmap', 'app-config'])).stderr).toContain(
      'Error from server (NotFound): configmaps "app-config" not found',
    );
  });

  it("refuses a key that is not a config key with the real message (create -f skips kubectl's own check)", async () => {
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'bad-key' },
      data: { 'bad key': 'x' },
    });
    const bad = await kubectl.run(['create'], manifest);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(
      'The ConfigMap "bad-key" is invalid: data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters',
    );
  });
});

describe('ConfigMaps through @kubernetes/client-node', () => {
  let emulator: KubernetesEmulator;
  let core: CoreV1Api;
  const namespace = 'default';

  beforeAll(async () => {
    emulator = await KubernetesEmulator.start();
    core = kubeConfigFor(emulator).makeApiClient(CoreV1Api);
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('creates, reads, replaces with optimistic concurrency, patches and lists', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'settings', labels: { app: 'x' } }, data: { a: '1' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const stale = created.metadata?.resourceVersion;
    const replaced = await core.replaceNamespacedConfigMap({
      name: 'settings',
      namespace,
      body: { ...created, data: { a: '2' } },
    });
    expect(replaced.data).toEqual({ a: '2' });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(stale));
    const conflict = await apiFailure(
      core.replaceNamespacedConfigMap({ name: 'settings', namespace, body: { ...created, data: { a: '3' } } }),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.body.message).toBe(
      'Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again',
    );
    const patched = await core.patchNamespacedConfigMap(
      { name: 'settings', namespace, body: { data: { b: 'x' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.data).toEqual({ a: '2', b: 'x' });
    const listed = await core.listNamespacedConfigMap({ namespace, labelSelector: 'app=x' });
    expect(listed.items.map((item) => item.metadata?.name)).toEqual(['settings']);
  });

  it('validates keys, duplicates across data and binaryData, base64 and the 1 MiB limit as the real server', async () => {
    const invalid = await apiFailure(
      core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: 'dup' }, data: { k: 'v', '..hidden': 'x' }, binaryData: { k: 'AA==' } },
      }),
    );
    expect(invalid.code).toBe(422);
    expect(invalid.body.message).toContain('ConfigMap "dup" is invalid: [');
    expect(invalid.body.message).toContain('data[k]: Invalid value: "k": duplicate of key present in binaryData');
    expect(invalid.body.message).toContain(`data[..hidden]: Invalid value: "..hidden": must not start with '..'`);

    const badBase64 = await call(emulator, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, {
      body: { metadata: { name: 'b64' }, binaryData: { k: 'not base64!' } },
    });
    expect(badBase64.status).toBe(400);
    expect(badBase64.json.message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 3',
    );
    const notString = await call(emulator, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, {
      body: { metadata: { name: 'num' }, data: { k: 1 } },
    });
    expect(notString.status).toBe(400);
    expect(notString.json.message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string',
    );

    const half = 'x'.repeat(600 * 1024);
    const tooLarge = await apiFailure(
      core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: 'big' }, data: { a: half }, binaryData: { b: Buffer.from(half).toString('base64') } },
      }),
    );
    expect(tooLarge.code).toBe(422);
    expect(tooLarge.body.message).toBe('ConfigMap "big" is invalid: : Too long: may not be more than 1048576 bytes');
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'just-fits' }, data: { a: half } } });
  });

  it('keeps an immutable ConfigMap as it is', async () => {
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true },
    });
    const changed = await apiFailure(
      core.patchNamespacedConfigMap(
        { name: 'frozen', namespace, body: { data: { a: '2' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(changed.code).toBe(422);
    expect(changed.body.message).toBe(
      'ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    );
    const thawed = await apiFailure(
      core.patchNamespacedConfigMap(
        { name: 'frozen', namespace, body: { immutable: false } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(thawed.body.message).toBe(
      'ConfigMap "frozen" is invalid: immutable: Forbidden: field is immutable when `immutable` is set',
    );
    await core.patchNamespacedConfigMap(
      { name: 'frozen', namespace, body: { metadata: { labels: { still: 'labelled' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  });

  it('replays its changes to a watch from a resourceVersion', async () => {
    const start = (await core.listNamespacedConfigMap({ namespace })).metadata?.resourceVersion;
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'watched' }, data: { a: '1' } } });
    await core.patchNamespacedConfigMap(
      { name: 'watched', namespace, body: { data: { a: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'watched', namespace });
    const events = await watchEvents(
      emulator,
      `/api/v1/namespaces/${namespace}/configmaps?watch=true&resourceVersion=${start}&fieldSelector=metadata.name%3Dwatched`,
      3,
    );
    expect(events.map((event) => [event.type, event.object.data])).toEqual([
      ['ADDED', { a: '1' }],
      ['MODIFIED', { a: '2' }],
      ['DELETED', { a: '2' }],
    ]);
  });

  it('deletes with a resourceVersion precondition and is discoverable with its short name', async () => {
    const created = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'gone' } } });
    expect(created.data).toBeUndefined();
    const stale = await apiFailure(
      core.deleteNamespacedConfigMap({ name: 'gone', namespace, body: { preconditions: { resourceVersion: '1' } } }),
    );
    expect(stale.code).toBe(409);
    await core.deleteNamespacedConfigMap({
      name: 'gone',
      namespace,
      body: { preconditions: { resourceVersion: created.metadata?.resourceVersion } },
    });
    expect((await apiFailure(core.readNamespacedConfigMap({ name: 'gone', namespace }))).code).toBe(404);
    const discovery = await call(emulator, 'GET', '/api/v1');
    const entry = (discovery.json.resources as Array<Record<string, unknown>>).find(
      (resource) => resource.name === 'configmaps',
    );
    expect(entry).toMatchObject({ kind: 'ConfigMap', namespaced: true, shortNames: ['cm'], singularName: 'configmap' });
  });
});
