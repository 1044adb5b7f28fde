import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { EnvelopeCipher, type SealedValues } from '../crypto/envelope-cipher.js';
import { WebhookSubscriptionEntity } from './entities/webhook-subscription.entity.js';

const PREFIX = 'whsec_';
// 32 random bytes: the Standard Webhooks secret is base64 after the prefix.
const SECRET_BYTES = 32;
const KEY = 'signingSecret';

/**
 * The `whsec_…` signing secrets of subscriptions: generated here, shown once, stored sealed under
 * the key-encryption key like retained secret values, bound to their subscription id.
 */
@Injectable()
export class SigningSecrets {
  constructor(private readonly cipher: EnvelopeCipher) {}

  generate(): string {
    return `${PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
  }

  seal(subscriptionId: string, secret: string): SealedValues {
    return this.cipher.seal({ [KEY]: Buffer.from(secret, 'utf8') }, contextOf(subscriptionId));
  }

  open(subscriptionId: string, sealed: SealedValues): string {
    return this.cipher.open(sealed, contextOf(subscriptionId))[KEY].toString('utf8');
  }

  /** The same secret with its data key wrapped by the active KEK (the ciphertext is unchanged). */
  rewrap(subscriptionId: string, sealed: SealedValues): SealedValues {
    return { ...sealed, ...this.cipher.rewrap(sealed, contextOf(subscriptionId)) };
  }

  isActive(sealed: SealedValues): boolean {
    return this.cipher.isActive(sealed.kekId);
  }
}

function contextOf(subscriptionId: string): string {
  return `webhook-signing-secret:${subscriptionId}`;
}

/**
 * Subscriptions made by the data migration from rotation policies have no signing secret (a
 * migration does not hold the key-encryption key): each gets one at start, known to nobody,
 * until its owner rotates it. Conditional on the column still being empty, so replicas starting
 * together do not overwrite each other's.
 */
@Injectable()
export class MigratedSubscriptionSecrets implements OnApplicationBootstrap {
  constructor(
    @InjectRepository(WebhookSubscriptionEntity) private readonly subscriptions: Repository<WebhookSubscriptionEntity>,
    private readonly secrets: SigningSecrets,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const unsealed = await this.subscriptions.findBy({ signingSecret: IsNull() });
    for (const subscription of unsealed) {
      await this.subscriptions.update(
        { id: subscription.id, signingSecret: IsNull() },
        { signingSecret: this.secrets.seal(subscription.id, this.secrets.generate()) },
      );
    }
  }
}
