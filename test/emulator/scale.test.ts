import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { call, kubeConfigFor, secret } from './support.js';

const COUNT = 10_000;
const name = (i: number) => `s-${String(i).padStart(5, '0')}`;

/** Streams a watch and counts events by type until `enough` says so. */
async function countEvents(
  emulator: KubernetesEmulator,
  path: string,
  enough: (counts: Record<string, number>) => boolean,
): Promise<Record<string, number>> {
  const controller = new AbortController();
  const response = await fetch(`${emulator.httpUrl}${path}`, {
    headers: { authorization: `Bearer ${emulator.adminToken}` },
    signal: controller.signal,
  });
  const counts: Record<string, number> = {};
  let buffer = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const type = (JSON.parse(line) as { type: string }).type;
        counts[type] = (counts[type] ?? 0) + 1;
      }
      if (enough(counts)) break;
    }
  } finally {
    controller.abort();
  }
  return counts;
}

/** Correctness with 10,000 secrets (not a timing test: performance belongs in the benchmarks). */
describe('10,000 secrets', () => {
  let emulator: KubernetesEmulator;
  let core: CoreV1Api;
  let startRv: string;

  beforeAll(async () => {
    emulator = await KubernetesEmulator.start({ historyWindow: 25_000 });
    core = kubeConfigFor(emulator).makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'bulk' } } });
    startRv = (await core.listNamespacedSecret({ namespace: 'bulk' })).metadata?.resourceVersion ?? '';
    let next = 0;
    const worker = async () => {
      while (next < COUNT) {
        const i = next++;
        const res = await call(emulator, 'POST', '/api/v1/namespaces/bulk/secrets', {
          body: secret(name(i), { i: String(i) }, { shard: String(i % 10), parity: i % 2 ? 'odd' : 'even' }),
        });
        if (res.status !== 201) throw new Error(`create ${name(i)}: ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  }, 120_000);

  afterAll(async () => {
    await emulator.stop();
  });

  it('lists all of them, and label selectors pick the right subset', async () => {
    const all = await core.listNamespacedSecret({ namespace: 'bulk' });
    expect(all.items).toHaveLength(COUNT);
    expect(all.items.map((s) => s.metadata?.name)).toEqual(Array.from({ length: COUNT }, (_, i) => name(i)));
    const shard3 = await core.listNamespacedSecret({ namespace: 'bulk', labelSelector: 'shard=3' });
    expect(shard3.items).toHaveLength(COUNT / 10);
    expect(shard3.items.every((s) => s.metadata?.labels?.shard === '3')).toBe(true);
    const setBased = await core.listNamespacedSecret({ namespace: 'bulk', labelSelector: 'shard in (1,2),parity=odd' });
    expect(setBased.items).toHaveLength(COUNT / 10);
    const byName = await core.listNamespacedSecret({ namespace: 'bulk', fieldSelector: `metadata.name=${name(4242)}` });
    expect(byName.items.map((s) => s.metadata?.name)).toEqual([name(4242)]);
  });

  it('pages through every object exactly once, consistently while writes happen between pages', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    let rv: string | undefined;
    do {
      const page = await core.listNamespacedSecret({ namespace: 'bulk', limit: 700, _continue: token });
      seen.push(...page.items.map((s) => s.metadata?.name ?? ''));
      rv ??= page.metadata?.resourceVersion;
      expect(page.metadata?.resourceVersion).toBe(rv);
      token = page.metadata?._continue;
      if (pages === 0) {
        // Changes after the first page are invisible to the rest of this list.
        await core.deleteNamespacedSecret({ name: name(9999), namespace: 'bulk' });
        await call(emulator, 'POST', '/api/v1/namespaces/bulk/secrets', { body: secret('zz-new') });
      }
      pages++;
    } while (token);
    expect(pages).toBe(Math.ceil(COUNT / 700));
    expect(seen).toEqual(Array.from({ length: COUNT }, (_, i) => name(i)));
    const filtered: string[] = [];
    token = undefined;
    do {
      const page = await core.listNamespacedSecret({
        namespace: 'bulk',
        limit: 300,
        labelSelector: 'shard=7',
        _continue: token,
      });
      expect(page.items.length).toBeLessThanOrEqual(300);
      filtered.push(...page.items.map((s) => s.metadata?.name ?? ''));
      token = page.metadata?._continue;
    } while (token);
    expect(filtered).toHaveLength(COUNT / 10);
    expect(new Set(filtered).size).toBe(COUNT / 10);
  });

  it('replays the whole history to a watch and fans live events out to many selective watchers', async () => {
    const replay = await countEvents(
      emulator,
      `/api/v1/namespaces/bulk/secrets?watch=true&resourceVersion=${startRv}`,
      (c) => (c.ADDED ?? 0) >= COUNT + 1 && (c.DELETED ?? 0) >= 1,
    );
    expect(replay).toEqual({ ADDED: COUNT + 1, DELETED: 1 });
    const now = (await core.listNamespacedSecret({ namespace: 'bulk', limit: 1 })).metadata?.resourceVersion;
    const watchers = Array.from({ length: 10 }, (_, shard) =>
      countEvents(
        emulator,
        `/api/v1/namespaces/bulk/secrets?watch=true&resourceVersion=${now}&labelSelector=shard%3D${shard}`,
        (c) => (c.MODIFIED ?? 0) >= 50,
      ),
    );
    const everything = countEvents(
      emulator,
      `/api/v1/namespaces/bulk/secrets?watch=true&resourceVersion=${now}`,
      (c) => (c.MODIFIED ?? 0) >= 500,
    );
    for (let i = 0; i < 500; i++) {
      const res = await call(emulator, 'PATCH', `/api/v1/namespaces/bulk/secrets/${name(i)}`, {
        body: { metadata: { annotations: { touched: 'yes' } } },
        contentType: 'application/merge-patch+json',
      });
      expect(res.status).toBe(200);
    }
    expect(await everything).toEqual({ MODIFIED: 500 });
    for (const counts of await Promise.all(watchers)) expect(counts).toEqual({ MODIFIED: 50 });
  });
});
