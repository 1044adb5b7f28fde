import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { PgChannelListener } from '../common/database/pg-channel-listener.js';
import type { LifecycleEventType } from '../lifecycle-events/lifecycle-events.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { LifecycleEventFacts } from './webhook-rules.js';

/** The PostgreSQL channel on which dispatched events reach every replica (sent at commit of the dispatch). */
export const LIVE_EVENTS_CHANNEL = 'secrets_broker_lifecycle_events';

export type LiveEventListener = (event: LifecycleEventFacts) => void;

interface WireEvent {
  readonly id: string;
  readonly type: LifecycleEventType;
  readonly namespace: string;
  readonly name: string;
  readonly version: number | null;
  readonly subject: string;
  readonly occurredAt: string;
  readonly accessRequestId?: string;
}

export function toWire(event: LifecycleEventFacts): string {
  const wire: WireEvent = { ...event, occurredAt: event.occurredAt.toISOString() };
  return JSON.stringify(wire);
}

function fromWire(payload: string): LifecycleEventFacts {
  const wire = JSON.parse(payload) as WireEvent;
  return { ...wire, occurredAt: new Date(wire.occurredAt) };
}

/**
 * Lifecycle events as they are dispatched from the outbox, for the live subscribers of this
 * replica. PostgreSQL: whichever replica dispatched an event announces it on a channel every
 * replica LISTENs to. SQLite (one process): the dispatcher hands events over directly.
 */
@Injectable()
export class LiveEvents implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly listeners = new Set<LiveEventListener>();
  private readonly listener: PgChannelListener | undefined;
  private readonly logger: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'database'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'live-events' });
    this.listener =
      config.database.kind === 'postgres'
        ? new PgChannelListener({
            url: config.database.url,
            channel: LIVE_EVENTS_CHANNEL,
            applicationName: 'secrets-broker:live-events',
            logger: this.logger,
            onNotification: (payload) => this.emit(fromWire(payload)),
            onListening: () => undefined,
          })
        : undefined;
  }

  /** Whether dispatch must announce events on the channel (rather than call `published`). */
  get announcesOnChannel(): boolean {
    return this.config.database.kind === 'postgres';
  }

  subscribe(listener: LiveEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events dispatched (and committed) by this process, where there is no channel. */
  published(events: readonly LifecycleEventFacts[]): void {
    for (const event of events) this.emit(event);
  }

  onApplicationBootstrap(): void {
    this.listener?.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.listener?.stop();
  }

  private emit(event: LifecycleEventFacts): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error }, 'a live event listener failed');
      }
    }
  }
}
