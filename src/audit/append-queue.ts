import type { ChainedEvent, UnsealedEvent } from './audit-chain.js';
import type { AuditEventStore } from './audit-event.store.js';

interface Waiting {
  readonly event: UnsealedEvent;
  resolve(sealed: ChainedEvent): void;
  reject(error: unknown): void;
}

// Bounded so one multi-row insert stays well under PostgreSQL's 65,535 bind parameters.
const MAX_BATCH = 200;

/**
 * Group commit: while one append is in flight, events that arrive wait and go together in the
 * next one, so concurrent requests share a lock, a head read and an insert instead of queueing
 * on the chain lock one by one. Each caller's promise settles only after its event committed.
 * The first event after a pause waits for the end of its event-loop turn, so the requests whose
 * input arrived together go in one transaction: on SQLite, where an append is synchronous,
 * nothing could join an append in flight, and every event would cost a commit (a WAL sync) of
 * its own.
 */
export class AppendQueue {
  private waiting: Waiting[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly store: Pick<AuditEventStore, 'append'>) {}

  append(event: UnsealedEvent): Promise<ChainedEvent> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      this.flushing ??= this.flushAtEndOfTurn();
    });
  }

  /** Resolves once every event appended so far has settled (graceful shutdown). */
  async drained(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flushAtEndOfTurn(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    await this.flush();
  }

  private async flush(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        try {
          const sealed = await this.store.append(batch.map((waiting) => waiting.event));
          batch.forEach((waiting, index) => waiting.resolve(sealed[index]));
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}
