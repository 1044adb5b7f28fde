import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Actor } from '../../common/actor.js';
import { ROOT_LOGGER } from '../../common/logging/logger.js';
import { EventStream } from '../../webhooks/event-stream.js';
import { LiveEvents } from '../../webhooks/live-events.js';
import type { LifecycleEventFacts } from '../../webhooks/webhook-rules.js';
import { AccessRequestEvaluator } from './access-request-evaluator.js';
import { AccessRequestStore } from './access-request.store.js';
import { AccessRequestEventView, type AccessRequestAudience } from './models/access-request.model.js';

// Events held for a subscriber that does not read them before it is cut off.
const MAX_QUEUED_EVENTS = 1_000;

/**
 * The live approval inbox (`accessRequestEvents`): a requester hears of every change to its own
 * requests; a subject that holds `approve` over a request's scope at that moment hears of the
 * requests of others (new ones, and what becomes of them). The requester is only ever told as
 * the requester, never as a reviewer. Events reach every replica through the live events.
 */
@Injectable()
export class AccessRequestEventsService {
  private readonly logger: Logger;

  constructor(
    private readonly live: LiveEvents,
    private readonly store: AccessRequestStore,
    private readonly evaluator: AccessRequestEvaluator,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'access-request-events' });
  }

  subscribe(actor: Actor): AsyncIterableIterator<AccessRequestEventView> {
    const stop: Array<() => void> = [];
    const stream = new EventStream<AccessRequestEventView>(() => stop.forEach((step) => step()), MAX_QUEUED_EVENTS);
    // One delivery at a time, so the subscriber sees events in the order they were dispatched.
    let delivering: Promise<void> = Promise.resolve();
    stop.push(
      this.live.subscribe((event) => {
        if (!event.type.startsWith('access_request.') || event.accessRequestId === undefined) return;
        delivering = delivering
          .then(() => this.deliver(actor, event, stream))
          .catch((error: unknown) =>
            this.logger.warn({ err: error, eventId: event.id }, 'could not deliver an access request event'),
          );
      }),
    );
    return stream;
  }

  private async deliver(
    actor: Actor,
    event: LifecycleEventFacts,
    stream: EventStream<AccessRequestEventView>,
  ): Promise<void> {
    const request = await this.store.find(event.accessRequestId ?? '');
    if (!request) return;
    let audience: AccessRequestAudience;
    if (request.requester === actor.subject) audience = 'requester';
    else if (this.evaluator.holdsApprove(actor.subjects, request)) audience = 'reviewer';
    else return;
    stream.push(
      Object.assign(new AccessRequestEventView(), {
        id: event.id,
        type: event.type,
        audience,
        occurredAt: event.occurredAt,
        request: await this.evaluator.view(request),
      }),
    );
  }
}
