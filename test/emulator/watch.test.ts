import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, makeInformer } from '@kubernetes/client-node';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { text } from '../../src/emulator/types.js';
import { eventually, kubeConfigFor, secret } from './support.js';

interface WatchEvent {
  type: string;
  object: Record<string, unknown> & { metadata?: Record<string, unknown> };
}

/** Reads newline-delimited watch events from the plain-HTTP listener until `stop` says enough or the stream ends. */
async function watch(
  emulator: KubernetesEmulator,
  path: string,
  stop: (events: WatchEvent[]) => boolean,
): Promise<WatchEvent[]> {
  const controller = new AbortController();
  const response = await fetch(`${emulator.httpUrl}${path}`, {
    headers: { authorization: `Bearer ${emulator.adminToken}` },
    signal: controller.signal,
  });
  const events: WatchEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buffer.slice(0, newline)) as WatchEvent);
        buffer = buffer.slice(newline + 1);
      }
      if (stop(events)) break;
    }
  } finally {
    controller.abort();
  }
  return events;
}

describe('watch', () => {
  let emulator: KubernetesEmulator;
  let core: CoreV1Api;

  beforeAll(async () => {
    emulator = await KubernetesEmulator.start({ bookmarkIntervalMs: 100 });
    core = kubeConfigFor(emulator).makeApiClient(CoreV1Api);
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('replays from a resourceVersion, follows selectors in and out, and sends bookmarks', async () => {
    const start = (await core.listNamespacedSecret({ namespace: 'default' })).metadata?.resourceVersion;
    await core.createNamespacedSecret({ namespace: 'default', body: secret('w-a', {}, { app: 'x' }) });
    await core.createNamespacedSecret({ namespace: 'default', body: secret('w-b', {}, { app: 'y' }) });
    await core.patchNamespacedSecret({
      name: 'w-b',
      namespace: 'default',
      body: [{ op: 'replace', path: '/metadata/labels/app', value: 'x' }],
    });
    await core.patchNamespacedSecret({
      name: 'w-a',
      namespace: 'default',
      body: [{ op: 'replace', path: '/metadata/labels/app', value: 'z' }],
    });
    await core.deleteNamespacedSecret({ name: 'w-b', namespace: 'default' });
    const events = await watch(
      emulator,
      `/api/v1/namespaces/default/secrets?watch=true&labelSelector=app%3Dx&allowWatchBookmarks=true&resourceVersion=${start}`,
      (e) => e.some((x) => x.type === 'BOOKMARK'),
    );
    expect(events.map((e) => `${e.type} ${text(e.object.metadata?.name)}`)).toEqual([
      'ADDED w-a',
      'ADDED w-b',
      'DELETED w-a',
      'DELETED w-b',
      'BOOKMARK ',
    ]);
    expect(events[0].object.kind).toBe('Secret');
    const bookmark = events[4].object;
    expect(bookmark).toMatchObject({ kind: 'Secret', apiVersion: 'v1' });
    expect(Number(bookmark.metadata?.resourceVersion)).toBeGreaterThanOrEqual(
      Number(events[3].object.metadata?.resourceVersion),
    );
  });

  it('starts with the current state when no resourceVersion is given, and marks the end of initial events', async () => {
    const events = await watch(
      emulator,
      '/api/v1/namespaces/default/secrets?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan',
      (e) => e.some((x) => x.type === 'BOOKMARK'),
    );
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    expect(events[1].object.metadata?.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
  });

  it('answers a too-old resourceVersion with an ERROR event carrying 410 Gone', async () => {
    await core.createNamespacedSecret({ namespace: 'default', body: secret('old-1') });
    emulator.compact();
    const events = await watch(
      emulator,
      '/api/v1/namespaces/default/secrets?watch=true&resourceVersion=5',
      () => false,
    );
    expect(events).toHaveLength(1);
    expect(events[0].type).toBe('ERROR');
    expect(events[0].object).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
    });
    expect(String(events[0].object.message)).toMatch(/^too old resource version: 5 \(\d+\)$/);
  });

  it('feeds a client-node informer add/update/delete and it recovers from 410 by relisting', async () => {
    await core.createNamespace({ body: { metadata: { name: 'informed' } } });
    await core.createNamespacedSecret({ namespace: 'informed', body: secret('before') });
    const informer = makeInformer(kubeConfigFor(emulator), '/api/v1/namespaces/informed/secrets', () =>
      core.listNamespacedSecret({ namespace: 'informed' }),
    );
    const seen: string[] = [];
    informer.on('add', (s) => seen.push(`add ${s.metadata?.name}`));
    informer.on('update', (s) => seen.push(`update ${s.metadata?.name}`));
    informer.on('delete', (s) => seen.push(`delete ${s.metadata?.name}`));
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    try {
      await eventually(() => seen.includes('add before'));
      await core.createNamespacedSecret({ namespace: 'informed', body: secret('live') });
      await core.patchNamespacedSecret({
        name: 'live',
        namespace: 'informed',
        body: [{ op: 'add', path: '/metadata/labels', value: { v: '2' } }],
      });
      await core.deleteNamespacedSecret({ name: 'before', namespace: 'informed' });
      await eventually(() => seen.includes('delete before'));
      expect(seen).toEqual(['add before', 'add live', 'update live', 'delete before']);

      // While the informer is disconnected, history is compacted and the cluster changes: on reconnect it gets 410 and relists.
      const listsBefore = emulator.requests.filter(
        (r) => r.path === '/api/v1/namespaces/informed/secrets' && !r.query.includes('watch'),
      ).length;
      emulator.compact();
      await core.createNamespacedSecret({ namespace: 'informed', body: secret('during-gap') });
      await core.deleteNamespacedSecret({ name: 'live', namespace: 'informed' });
      emulator.compact();
      emulator.closeWatches();
      await eventually(() => seen.includes('add during-gap') && seen.includes('delete live'));
      const lists = emulator.requests.filter(
        (r) => r.path === '/api/v1/namespaces/informed/secrets' && !r.query.includes('watch'),
      ).length;
      expect(lists).toBeGreaterThan(listsBefore);
      expect(informer.list().map((s) => s.metadata?.name)).toEqual(['during-gap']);
      await core.createNamespacedSecret({ namespace: 'informed', body: secret('after') });
      await eventually(() => seen.includes('add after'));
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });
});
