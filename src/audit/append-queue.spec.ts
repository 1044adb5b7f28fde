import { describe, expect, it } from 'vitest';
import { AppendQueue } from './append-queue.js';
import { keyedLinkHasher, sealAfter, type ChainedEvent, type ChainHead, type UnsealedEvent } from './audit-chain.js';
import { toUnsealedEvent } from './audit-event.js';
import type { AuditEventStore } from './audit-event.store.js';

/** An in-memory store that records the batches it was given. */
class MemoryStore implements Pick<AuditEventStore, 'append'> {
  batches: number[] = [];
  failNext = false;
  private head: ChainHead = { id: 0, hash: '0'.repeat(64) };

  async append(events: readonly UnsealedEvent[]): Promise<ChainedEvent[]> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    this.batches.push(events.length);
    const sealed = sealAfter(this.head, events, keyedLinkHasher(Buffer.alloc(32)));
    this.head = sealed[sealed.length - 1];
    return sealed;
  }
}

const event = (requestId: string) =>
  toUnsealedEvent(
    {
      actor: { subject: 'user:a', request: { requestId, sourceIp: undefined, userAgent: undefined } },
      action: 'read',
      outcome: 'allowed',
    },
    new Date(),
  );

describe('AppendQueue', () => {
  it('groups events that arrive in one event-loop turn or during an append, and gives each caller its own event', async () => {
    const store = new MemoryStore();
    const queue = new AppendQueue(store);
    const sealed = await Promise.all(Array.from({ length: 450 }, (_, index) => queue.append(event(`r${index}`))));
    expect(sealed.map((item) => item.requestId)).toEqual(Array.from({ length: 450 }, (_, index) => `r${index}`));
    expect(new Set(sealed.map((item) => item.id)).size).toBe(450);
    expect(store.batches).toEqual([200, 200, 50]);
  });

  it('rejects only the batch whose append failed, then carries on', async () => {
    const store = new MemoryStore();
    const queue = new AppendQueue(store);
    store.failNext = true;
    await expect(queue.append(event('lost'))).rejects.toThrow('disk full');
    await expect(queue.append(event('kept'))).resolves.toMatchObject({ id: 1, requestId: 'kept' });
  });

  it('drains: resolves once every event appended before has settled', async () => {
    const queue = new AppendQueue(new MemoryStore());
    const settled: string[] = [];
    for (const id of ['a', 'b', 'c']) void queue.append(event(id)).then((sealed) => settled.push(sealed.requestId));
    await queue.drained();
    expect(settled).toEqual(['a', 'b', 'c']);
    await queue.drained();
  });
});
