import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { PolicyService, type AccessRequest } from '../grants/policy.service.js';
import { SecretEventsArgs } from './dto/secret-events.args.js';
import { EventStream } from './event-stream.js';
import { LiveEvents } from './live-events.js';
import { SecretEventView } from './models/webhook.model.js';
import type { LifecycleEventFacts } from './webhook-rules.js';

/** How often a live subscription checks that its subscriber still may follow what it asked for. */
export const RECHECK_INTERVAL_MS = 1_000;
// Events held for a subscriber that does not read them before it is cut off.
const MAX_QUEUED_EVENTS = 1_000;

/**
 * Live lifecycle events of secrets (`secretEvents`). Opening one needs `list` on the secret (or
 * somewhere in the namespace); then every event is checked against the subscriber's grants as
 * they are at that moment, so it sees only secrets it may list, and the subscription ends
 * (FORBIDDEN) once the grants that opened it are gone — noticed on the next event or within
 * RECHECK_INTERVAL_MS.
 */
@Injectable()
export class SecretEventsService {
  constructor(
    private readonly policy: PolicyService,
    private readonly live: LiveEvents,
  ) {}

  async subscribe(actor: Actor, args: SecretEventsArgs): Promise<AsyncIterableIterator<SecretEventView>> {
    const opening: AccessRequest = args.name
      ? { kind: 'target', verbs: ['list'], target: { namespace: args.namespace, name: args.name } }
      : { kind: 'namespace', verb: 'list', namespace: args.namespace };
    await this.policy.authorize(actor, opening);
    const allowedNow = (request: AccessRequest) =>
      this.policy.evaluate(this.policy.grantsOfSubjects(actor.subjects), request).allowed;
    const revoked = () => new DomainError(ErrorCode.Forbidden, 'Permission to follow these events was withdrawn');

    const stop: Array<() => void> = [];
    const stream = new EventStream<SecretEventView>(() => stop.forEach((step) => step()), MAX_QUEUED_EVENTS);
    const unsubscribe = this.live.subscribe((event) => {
      if (!isSecretEvent(event) || event.namespace !== args.namespace) return;
      if (args.name !== undefined && event.name !== args.name) return;
      if (!allowedNow(opening)) {
        stream.fail(revoked());
        return;
      }
      const target = { namespace: event.namespace, name: event.name };
      if (allowedNow({ kind: 'target', verbs: ['list'], target })) stream.push(toSecretEventView(event));
    });
    const timer = setInterval(() => {
      if (!allowedNow(opening)) stream.fail(revoked());
    }, RECHECK_INTERVAL_MS);
    timer.unref();
    stop.push(unsubscribe, () => clearInterval(timer));
    return stream;
  }
}

function isSecretEvent(event: LifecycleEventFacts): boolean {
  return event.type.startsWith('secret.') || event.type.startsWith('rotation.');
}

function toSecretEventView(event: LifecycleEventFacts): SecretEventView {
  return Object.assign(new SecretEventView(), event);
}
