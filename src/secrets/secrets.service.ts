import { Injectable } from '@nestjs/common';
import { ClusterGateway } from '../cluster/cluster.gateway.js';
import type { Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { CursorCodec } from '../common/paging/cursor-codec.js';
import type { PageRequest } from '../common/paging/page.js';
import type { Target } from '../grants/decision.js';
import { PolicyService } from '../grants/policy.service.js';
import { findConsumers } from './consumers.js';
import type { RequestSecretInput } from './dto/secret-inputs.js';
import type { SecretConsumerView } from './models/consumer.model.js';
import type { SecretValuesView } from './models/secret-values.model.js';
import type { SecretVersionView } from './models/secret-version.model.js';
import type { SecretPageView, SecretView } from './models/secret.model.js';
import { withoutPreviousKeys } from './previous-keys.js';
import { SecretLoader, secretNotFound } from './secret-loader.js';
import { versionOf } from './secret-labels.js';
import { SecretVersionStore } from './secret-version.store.js';
import { toConsumerView, toSecretPageView, toSecretView, toValuesView, toVersionView } from './secret-views.js';

/** Reading secrets: every method authorises first, so a denial reveals nothing. */
@Injectable()
export class SecretsService {
  constructor(
    private readonly policy: PolicyService,
    private readonly cluster: ClusterGateway,
    private readonly store: SecretVersionStore,
    private readonly loader: SecretLoader,
    private readonly cursors: CursorCodec,
  ) {}

  /**
   * The cluster's own `continue` token names the last key it read (possibly a secret outside the
   * caller's grants), so callers only ever see it sealed in the broker's cursor, bound to this
   * caller, namespace and selector. A cursor is checked before anything is decided or read.
   */
  async list(
    actor: Actor,
    namespace: string,
    labelSelector: string | undefined,
    page: PageRequest,
  ): Promise<SecretPageView> {
    const listing = `secrets|${namespace}|${labelSelector ?? ''}|${actor.subject}`;
    const continueToken = page.cursor === undefined ? undefined : this.cursors.open(page.cursor, listing);
    await this.policy.authorize(actor, { kind: 'namespace', verb: 'list', namespace });
    const grants = await this.policy.effectiveGrants(actor);
    const mayList = (name: string) =>
      this.policy.evaluate(grants, { kind: 'target', verbs: ['list'], target: { namespace, name } }).allowed;
    const found = await this.cluster.listSecrets(namespace, { labelSelector, limit: page.size, continueToken });
    const visible = found.items.filter((secret) => mayList(secret.name));
    const records = await this.store.findRecords(
      namespace,
      visible.map((secret) => secret.name),
    );
    const next = found.continueToken === undefined ? null : this.cursors.seal(found.continueToken, listing);
    return toSecretPageView(visible, records, next);
  }

  async get(actor: Actor, target: Target): Promise<SecretView> {
    await this.policy.authorize(actor, { kind: 'target', verbs: ['list'], target });
    const { secret, record } = await this.loader.load(target);
    return toSecretView(secret, record);
  }

  async request(actor: Actor, target: Target, input: RequestSecretInput): Promise<SecretValuesView> {
    await this.policy.authorize(actor, { kind: 'target', verbs: ['read'], target });
    const secret = await this.loader.loadLive(target);
    // During a two-phase grace period the `.previous` keys are there for consumers that still read
    // them; a request returns them only when it names them.
    const keys = input.keys ?? Object.keys(withoutPreviousKeys(secret.data));
    const missing = keys.filter((key) => !Object.hasOwn(secret.data, key));
    if (missing.length > 0) {
      throw new DomainError(
        ErrorCode.NotFound,
        `Secret ${target.namespace}/${target.name} has no key ${missing.join(', ')}`,
      );
    }
    const values = Object.fromEntries(keys.map((key) => [key, secret.data[key]]));
    return toValuesView(target, versionOf(secret.annotations), values);
  }

  async versions(actor: Actor, target: Target): Promise<SecretVersionView[]> {
    await this.policy.authorize(actor, { kind: 'target', verbs: ['list'], target });
    const record = await this.store.findRecord(target.namespace, target.name);
    if (!record) {
      if (await this.cluster.getSecret(target.namespace, target.name)) return [];
      throw secretNotFound(target);
    }
    return (await this.store.listVersions(record)).map(toVersionView);
  }

  async consumers(actor: Actor, target: Target): Promise<SecretConsumerView[]> {
    await this.policy.authorize(actor, { kind: 'target', verbs: ['list'], target });
    return findConsumers(await this.cluster.listWorkloads(target.namespace), target.name).map(toConsumerView);
  }
}
