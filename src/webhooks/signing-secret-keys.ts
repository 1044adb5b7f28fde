import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { SealedValues } from '../crypto/envelope-cipher.js';
import type { RewrappedBatch, WrappedDataKeys } from '../crypto/wrapped-data-keys.js';
import { WebhookSubscriptionEntity } from './entities/webhook-subscription.entity.js';
import { SigningSecrets } from './signing-secrets.js';

/**
 * The data keys of the subscriptions' sealed signing secrets. The sealed secret is one JSON
 * column, so rows are filtered by key here rather than in SQL: subscriptions are few.
 */
@Injectable()
export class SigningSecretKeys implements WrappedDataKeys {
  readonly kind = 'webhook signing secrets';

  constructor(
    @InjectRepository(WebhookSubscriptionEntity) private readonly subscriptions: Repository<WebhookSubscriptionEntity>,
    private readonly secrets: SigningSecrets,
  ) {}

  async kekIdsInUse(): Promise<string[]> {
    const rows = await this.subscriptions.find({ select: { id: true, signingSecret: true } });
    return [...new Set(rows.flatMap((row) => (row.signingSecret ? [row.signingSecret.kekId] : [])))];
  }

  async rewrapAfter(after: string, limit: number): Promise<RewrappedBatch | undefined> {
    let last = after;
    const stale: Array<{ id: string; sealed: SealedValues }> = [];
    // Pages through every subscription after `after` until `limit` stale ones are found.
    while (stale.length < limit) {
      const rows = await this.subscriptions
        .createQueryBuilder('subscription')
        .select(['subscription.id', 'subscription.signingSecret'])
        .where('subscription.id > :last', { last })
        .orderBy('subscription.id')
        .limit(limit)
        .getMany();
      if (rows.length === 0) break;
      last = rows[rows.length - 1].id;
      for (const { id, signingSecret } of rows) {
        if (signingSecret && !this.secrets.isActive(signingSecret)) stale.push({ id, sealed: signingSecret });
      }
    }
    if (stale.length === 0) return undefined;
    let rewrapped = 0;
    for (const { id, sealed } of stale) {
      // Only if it still holds what was read: a secret rotated meanwhile is already under the active KEK.
      const result = await this.subscriptions
        .createQueryBuilder()
        .update()
        .set({ signingSecret: this.secrets.rewrap(id, sealed) })
        .where('id = :id AND signing_secret = :read', { id, read: JSON.stringify(sealed) })
        .execute();
      rewrapped += result.affected ?? 0;
    }
    return { last, rewrapped, skipped: stale.length - rewrapped };
  }
}
