import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/actor.js';
import { ClusterGateway, type ClusterSecret } from '../cluster/cluster.gateway.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { CursorCodec } from '../common/paging/cursor-codec.js';
import { PolicyService } from '../grants/policy.service.js';
import { findConsumers } from './consumers.js';
import { DEFAULT_PAGE_SIZE, type ListSecretsArgs, type RequestSecretInput } from './dto/secret-inputs.js';
import type { SecretRecordEntity } from './entities/secret-record.entity.js';
import type { SecretConsumerView } from './models/consumer.model.js';
import type { SecretValuesView } from './models/secret-values.model.js';
import type { SecretVersionView } from './models/secret-version.model.js';
import { SecretPageView, type SecretView } from './models/secret.model.js';
import { SecretVersionStore } from './secret-version.store.js';
import { toConsumerView, toSecretView, toValuesView, toVersionView } from './secret-views.js';

/** Reading secrets: every method authorises first, so a denial reveals nothing. */
@Injectable()
export class SecretsService {
  constructor(
    private readonly policy: PolicyService,
    private readonly cluster: ClusterGateway,
    private readonly store: SecretVersionStore,
    private readonly cursors: CursorCodec,
  ) {}

  /**
   * The cluster's own `continue` token names the last key it read (possibly a secret outside the
   * caller's grants), so callers only ever see it sealed in the broker's cursor, bound to this
   * caller, namespace and selector.
   */
  async list(actor: Actor, namespace: string, args: ListSecretsArgs): Promise<SecretPageView> {
    const listing = `secrets|${namespace}|${args.labelSelector ?? ''}|${actor.subject}`;
    const continueToken = args.continue === undefined ? undefined : this.cursors.open(args.continue, listing);
    await this.policy.assertCanInNamespace(actor, 'list', namespace);
    const grants = await this.policy.effectiveGrants(actor);
    const mayList = (name: string) => this.policy.decideWith(grants, 'list', { namespace, name }).allowed;
    const page = await this.cluster.listSecrets(namespace, {
      labelSelector: args.labelSelector,
      limit: args.limit ?? DEFAULT_PAGE_SIZE,
      continueToken,
    });
    const visible = page.items.filter((secret) => mayList(secret.name));
    const records = await this.store.findRecords(
      namespace,
      visible.map((secret) => secret.name),
    );
    return Object.assign(new SecretPageView(), {
      items: visible.map((secret) => toSecretView(secret, records.get(secret.name) ?? null)),
      continue: page.continueToken === undefined ? null : this.cursors.seal(page.continueToken, listing),
    });
  }

  async get(actor: Actor, namespace: string, name: string): Promise<SecretView> {
    await this.policy.assertCan(actor, 'list', { namespace, name });
    const { secret, record } = await this.load(namespace, name);
    return toSecretView(secret, record);
  }

  async request(actor: Actor, namespace: string, name: string, input: RequestSecretInput): Promise<SecretValuesView> {
    await this.policy.assertCan(actor, 'read', { namespace, name });
    const { secret, record } = await this.load(namespace, name);
    const keys = input.keys ?? Object.keys(secret.data);
    const missing = keys.filter((key) => !Object.hasOwn(secret.data, key));
    if (missing.length > 0)
      throw new DomainError(ErrorCode.NotFound, `Secret ${namespace}/${name} has no key ${missing.join(', ')}`);
    const values = Object.fromEntries(keys.map((key) => [key, secret.data[key]]));
    return toValuesView(namespace, name, record?.state === 'active' ? record.currentVersion : null, values);
  }

  async versions(actor: Actor, namespace: string, name: string): Promise<SecretVersionView[]> {
    await this.policy.assertCan(actor, 'list', { namespace, name });
    const record = await this.store.findRecord(namespace, name);
    if (!record) {
      if (await this.cluster.getSecret(namespace, name)) return [];
      throw notFound(namespace, name);
    }
    return (await this.store.listVersions(record)).map(toVersionView);
  }

  async consumers(actor: Actor, namespace: string, name: string): Promise<SecretConsumerView[]> {
    await this.policy.assertCan(actor, 'list', { namespace, name });
    return findConsumers(await this.cluster.listWorkloads(namespace), name).map(toConsumerView);
  }

  /** Settles a revocation of `namespace/name` that was interrupted (before a create reuses its record). */
  async settleRevocationOf(namespace: string, name: string): Promise<void> {
    const record = await this.store.findRecord(namespace, name);
    if (record?.state === 'revoking')
      await this.store.settleRevocation(record, (await this.cluster.getSecret(namespace, name)) !== undefined);
  }

  /**
   * The live object and the broker's record; a revoked secret is 410 Gone. A revocation that was
   * interrupted is settled first, so a half-revoked secret is never served or written to.
   */
  async load(namespace: string, name: string): Promise<{ secret: ClusterSecret; record: SecretRecordEntity | null }> {
    const [secret, found] = await Promise.all([
      this.cluster.getSecret(namespace, name),
      this.store.findRecord(namespace, name),
    ]);
    const record = found?.state === 'revoking' ? await this.store.settleRevocation(found, secret !== undefined) : found;
    if (!secret) {
      if (record?.state === 'revoked') {
        throw new DomainError(ErrorCode.Gone, `Secret ${namespace}/${name} was revoked`, {
          details: { revokedAt: record.revokedAt?.toISOString() ?? null },
        });
      }
      throw notFound(namespace, name);
    }
    return { secret, record };
  }
}

export function notFound(namespace: string, name: string): DomainError {
  return new DomainError(ErrorCode.NotFound, `Secret ${namespace}/${name} not found`);
}
