import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { AuditService, type OutcomeOf } from '../audit/audit.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { CursorCodec } from '../common/paging/cursor-codec.js';
import type { PageRequest } from '../common/paging/page.js';
import { ANY, type Scope } from '../common/vocabulary/scope.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { PolicyService, type AccessRequest } from '../grants/policy.service.js';
import { DestinationPolicy } from './destination-policy.js';
import { CreateWebhookInput } from './dto/create-webhook.input.js';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity.js';
import { WebhookSubscriptionEntity } from './entities/webhook-subscription.entity.js';
import {
  DeliveryPage,
  type DeliveryView,
  type WebhookView,
  type WebhookWithSecretView,
} from './models/webhook.model.js';
import { SigningSecrets } from './signing-secrets.js';
import { WebhookSender } from './webhook-sender.js';
import { toDeliveryView, toWebhookView, withSigningSecret } from './webhook-views.js';
import { webhookUrlProblem } from './webhook-rules.js';
import { Clock } from '../common/time/clock.js';

/** Listing or fetching subscriptions needs webhooks:manage somewhere; each is then shown only inside the caller's scope. */
const MANAGES_SOME_WEBHOOKS: AccessRequest = { kind: 'anywhere', verb: 'webhooks:manage' };

type WebhookOperation = 'create_webhook' | 'delete_webhook' | 'rotate_webhook_secret' | 'redeliver_webhook';

/**
 * Lifecycle webhook subscriptions and their delivery log. The escalation rule is the one for
 * grants: a caller may create, see or change a subscription only if, over its whole scope
 * (namespace and name pattern), its own grants give it `webhooks:manage` and `list` (the verb
 * that shows names and metadata, which is all an event says), and a subscription never
 * outlives the covering grants (its `expiresAt` is no later than theirs).
 */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectRepository(WebhookSubscriptionEntity) private readonly subscriptions: Repository<WebhookSubscriptionEntity>,
    @InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly signingSecrets: SigningSecrets,
    private readonly sender: WebhookSender,
    private readonly cursors: CursorCodec,
    private readonly destinations: DestinationPolicy,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'production' | 'webhooks'>,
    private readonly clock: Clock,
  ) {}

  async list(actor: Actor): Promise<WebhookView[]> {
    await this.policy.authorize(actor, MANAGES_SOME_WEBHOOKS);
    const rows = await this.subscriptions.find({ order: { createdAt: 'ASC', id: 'ASC' } });
    const visible: WebhookView[] = [];
    for (const row of rows) if (await this.manages(actor, row)) visible.push(toWebhookView(row));
    return visible;
  }

  async get(actor: Actor, id: string): Promise<WebhookView> {
    await this.policy.authorize(actor, MANAGES_SOME_WEBHOOKS);
    return toWebhookView(await this.findVisible(actor, id));
  }

  async create(actor: Actor, input: CreateWebhookInput): Promise<WebhookWithSecretView> {
    const scope: Scope = { namespace: input.namespace, namePattern: input.namePattern ?? ANY };
    const { auditEventId: intentId } = await this.policy.authorize(actor, {
      kind: 'scope',
      verbs: ['webhooks:manage', 'list'],
      scope,
      lifetime: { expiresAt: input.expiresAt ?? null },
    });
    const urlProblem = webhookUrlProblem(input.url, this.config.production);
    if (urlProblem) throw new DomainError(ErrorCode.Unprocessable, urlProblem);
    if (!this.destinations.allowsLiteral(input.url)) {
      throw new DomainError(
        ErrorCode.Unprocessable,
        'url must not be a loopback, private, link-local or metadata address',
      );
    }
    const owned = await this.subscriptions.countBy({ createdBy: actor.subject });
    if (owned >= this.config.webhooks.maxSubscriptionsPerSubject) {
      throw new DomainError(
        ErrorCode.Unprocessable,
        `At most ${this.config.webhooks.maxSubscriptionsPerSubject} webhook subscriptions per subject; delete one first`,
      );
    }
    if (input.expiresAt && input.expiresAt.getTime() <= this.clock.now()) {
      throw new DomainError(ErrorCode.Unprocessable, 'expiresAt must be in the future');
    }
    const id = randomUUID();
    const signingSecret = this.signingSecrets.generate();
    const saved = await this.audit.recordOutcome(changeOf(actor, intentId, 'create_webhook', id, scope), () =>
      this.subscriptions.save(
        this.subscriptions.create({
          id,
          url: input.url,
          eventTypes: [...new Set(input.eventTypes)],
          ...scope,
          description: input.description ?? null,
          signingSecret: this.signingSecrets.seal(id, signingSecret),
          expiresAt: input.expiresAt ?? null,
          createdBy: actor.subject,
          ownerSubjects: [...actor.subjects],
          suspendedAt: null,
          suspendedReason: null,
        }),
      ),
    );
    return withSigningSecret(toWebhookView(saved), signingSecret);
  }

  async delete(actor: Actor, id: string): Promise<WebhookView> {
    const subscription = await this.findVisible(actor, id);
    const intentId = await this.authorizeChange(actor, subscription);
    await this.audit.recordOutcome(changeOf(actor, intentId, 'delete_webhook', id, subscription), () =>
      this.subscriptions.delete({ id }),
    );
    return toWebhookView(subscription);
  }

  /** A new signing secret, shown once; the old one stops signing at once. */
  async rotateSigningSecret(actor: Actor, id: string): Promise<WebhookWithSecretView> {
    const subscription = await this.findVisible(actor, id);
    const intentId = await this.authorizeChange(actor, subscription);
    const signingSecret = this.signingSecrets.generate();
    await this.audit.recordOutcome(changeOf(actor, intentId, 'rotate_webhook_secret', id, subscription), () =>
      this.subscriptions.update({ id }, { signingSecret: this.signingSecrets.seal(id, signingSecret) }),
    );
    return withSigningSecret(toWebhookView(subscription), signingSecret);
  }

  /** The delivery log of a subscription, newest first. */
  async listDeliveries(actor: Actor, id: string, page: PageRequest): Promise<DeliveryPage> {
    const listing = `webhook-deliveries|${actor.subject}|${id}`;
    const offset = page.cursor === undefined ? 0 : offsetOf(this.cursors.open(page.cursor, listing));
    await this.policy.authorize(actor, MANAGES_SOME_WEBHOOKS);
    await this.findVisible(actor, id);
    const rows = await this.deliveries.find({
      where: { subscriptionId: id },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: offset,
      take: page.size + 1,
    });
    const items = rows.slice(0, page.size).map(toDeliveryView);
    const next = rows.length > page.size ? this.cursors.seal(String(offset + page.size), listing) : null;
    return Object.assign(new DeliveryPage(), { items, continue: next });
  }

  /** Sends a delivery again now, whatever its state, with a fresh budget of attempts (its log is kept). */
  async redeliver(actor: Actor, id: string, deliveryId: string): Promise<DeliveryView> {
    const subscription = await this.findVisible(actor, id);
    const intentId = await this.authorizeChange(actor, subscription);
    const delivery = await this.deliveries.findOneBy({ id: deliveryId, subscriptionId: id });
    if (!delivery) throw new DomainError(ErrorCode.NotFound, `Delivery ${deliveryId} not found`);
    const updated = await this.audit.recordOutcome(
      changeOf(actor, intentId, 'redeliver_webhook', id, subscription, deliveryId),
      async () => {
        await this.deliveries.update(
          { id: deliveryId },
          { state: 'pending', attempts: 0, nextAttemptAt: new Date(this.clock.now()), deliveredAt: null },
        );
        return this.deliveries.findOneByOrFail({ id: deliveryId });
      },
    );
    this.sender.wake();
    return toDeliveryView(updated);
  }

  private async authorizeChange(actor: Actor, subscription: Scope): Promise<string> {
    const { auditEventId } = await this.policy.authorize(actor, {
      kind: 'scope',
      verbs: ['webhooks:manage', 'list'],
      scope: { namespace: subscription.namespace, namePattern: subscription.namePattern },
    });
    return auditEventId;
  }

  private async manages(actor: Actor, scope: Scope): Promise<boolean> {
    const request: AccessRequest = { kind: 'scope', verbs: ['webhooks:manage', 'list'], scope };
    return this.policy.evaluate(await this.policy.effectiveGrants(actor), request).allowed;
  }

  /** Missing and out-of-scope subscriptions answer alike, so ids reveal nothing beyond one's scope. */
  private async findVisible(actor: Actor, id: string): Promise<WebhookSubscriptionEntity> {
    const row = await this.subscriptions.findOneBy({ id });
    if (!row || !(await this.manages(actor, row))) throw new DomainError(ErrorCode.NotFound, `Webhook ${id} not found`);
    return row;
  }
}

function offsetOf(position: string): number {
  const offset = Number(position);
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new DomainError(ErrorCode.InvalidInput, 'continue is not a cursor this API returned');
  }
  return offset;
}

function changeOf(
  actor: Actor,
  intentId: string,
  operation: WebhookOperation,
  webhookId: string,
  scope: Scope,
  deliveryId?: string,
): OutcomeOf {
  return {
    actor,
    action: 'webhooks:manage',
    intentId,
    target: { namespace: scope.namespace, name: scope.namePattern },
    details: { operation, webhookId, ...(deliveryId ? { deliveryId } : {}) },
  };
}
