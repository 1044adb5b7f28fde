import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_CHAIN,
  keyedLinkHasher,
  plainLinkHasher,
  sealAfter,
  type ChainedEvent,
  type LinkHasher,
} from './audit-chain.js';
import type { AuditCheckpoints } from './audit-checkpoints.js';
import { toUnsealedEvent } from './audit-event.js';
import type { AuditEventStore } from './audit-event.store.js';
import { LegacyChainRekeying } from './legacy-chain.js';

const link = keyedLinkHasher(Buffer.alloc(32, 9));
const chainOf = (hasher: LinkHasher) =>
  sealAfter(
    EMPTY_CHAIN,
    [
      toUnsealedEvent(
        {
          actor: { subject: 'user:a', request: { requestId: 'r', sourceIp: undefined, userAgent: undefined } },
          action: 'read',
          outcome: 'allowed',
        },
        new Date(0),
      ),
    ],
    hasher,
  );

function setUp(head: ChainedEvent | undefined, present: () => Promise<boolean>) {
  const calls = { rekey: 0, anyPresent: 0 };
  const store = {
    newest: async () => head,
    rekey: async () => {
      calls.rekey++;
      return 1;
    },
  } as unknown as AuditEventStore;
  const checkpoints = {
    anyPresent: () => {
      calls.anyPresent++;
      return present();
    },
  } as unknown as AuditCheckpoints;
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return { rekeying: new LegacyChainRekeying(store, checkpoints, link, logger), calls, lines };
}

describe('re-keying a chain linked before keys', () => {
  it('leaves an empty or keyed chain alone without reading any checkpoint', async () => {
    for (const head of [undefined, chainOf(link)[0]]) {
      const { rekeying, calls } = setUp(head, async () => false);
      await rekeying.ready();
      expect(calls).toEqual({ rekey: 0, anyPresent: 0 });
    }
  });

  it('re-keys an unkeyed chain once, while no checkpoint exists', async () => {
    const { rekeying, calls } = setUp(chainOf(plainLinkHasher)[0], async () => false);
    await Promise.all([rekeying.ready(), rekeying.ready()]);
    await rekeying.ready();
    expect(calls).toEqual({ rekey: 1, anyPresent: 1 });
  });

  it('never re-keys once a checkpoint exists, and says so', async () => {
    const { rekeying, calls, lines } = setUp(chainOf(plainLinkHasher)[0], async () => true);
    await rekeying.ready();
    expect(calls.rekey).toBe(0);
    expect(lines.join('\n')).toContain('not re-keyed');
  });

  it('leaves a head that matches neither hash to verify', async () => {
    const { rekeying, calls } = setUp({ ...chainOf(link)[0], reason: 'edited' }, async () => false);
    await rekeying.ready();
    expect(calls).toEqual({ rekey: 0, anyPresent: 0 });
  });

  it('fails while the checkpoints cannot be read, and tries again on the next call', async () => {
    let readable = false;
    const { rekeying, calls } = setUp(chainOf(plainLinkHasher)[0], async () => {
      if (!readable) throw new Error('API server unreachable');
      return false;
    });
    await expect(rekeying.ready()).rejects.toThrow('API server unreachable');
    readable = true;
    await rekeying.ready();
    expect(calls).toEqual({ rekey: 1, anyPresent: 2 });
  });
});
