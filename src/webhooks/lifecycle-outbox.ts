import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { LifecycleEvents, type LifecycleEventInput } from '../lifecycle-events/lifecycle-events.js';
import { LifecycleEventEntity } from './entities/lifecycle-event.entity.js';

/** LifecycleEvents as rows of `lifecycle_events`, inserted by the caller's transaction. */
@Injectable()
export class LifecycleOutbox extends LifecycleEvents {
  async enqueue(manager: EntityManager, events: readonly LifecycleEventInput[]): Promise<void> {
    if (events.length === 0) return;
    const occurredAt = new Date();
    await manager.getRepository(LifecycleEventEntity).insert(
      events.map((event) => ({
        occurredAt,
        id: randomUUID(),
        type: event.type,
        namespace: event.namespace,
        name: event.name,
        version: event.version ?? null,
        subject: event.subject,
        details: event.details ?? null,
      })),
    );
  }
}
