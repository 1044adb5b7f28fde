import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../common/actor.js';
import { ClusterGateway, type ClusterSecret } from '../cluster/cluster.gateway.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { Clock } from '../common/time/clock.js';
import { AuditService } from '../audit/audit.service.js';
import { PolicyService, type Target } from '../grants/policy.service.js';
import type { Verb } from '../common/vocabulary/verbs.js';
import type { SecretConsumer } from './consumers.js';
import { ConsumerRestarts } from './consumer-restarts.js';
import { planCreate, type CreatePlan } from './create-plan.js';
import { FailedWrites, isDefiniteRefusal } from './failed-writes.js';
import type {
  CreateSecretInput,
  RollbackSecretInput,
  RotateSecretInput,
  RevokeSecretInput,
  UpdateSecretInput,
} from './dto/secret-inputs.js';
import type { SecretRecordEntity } from './entities/secret-record.entity.js';
import type { VersionReason } from './entities/secret-version.entity.js';
import {
  generateValues,
  maxGeneratedBytes,
  validateGeneratorMap,
  type GeneratorLimits,
  type GeneratorSpec,
} from './generators.js';
import { SecretWriteResultView } from './models/secret-write.model.js';
import type { SecretView } from './models/secret.model.js';
import { withoutPreviousKeys, withPreviousKeys } from './previous-keys.js';
import { firstRotationAt } from './rotation-schedule.js';
import { assertDataKey, assertWithinSizeLimit, decodeValues } from './secret-input.js';
import { managedLabels, VERSION_ANNOTATION, versionOf } from './secret-labels.js';
import { DRIFT_ADOPTION, SecretSystemWrites, type Adoption } from './secret-system-writes.js';
import { SecretVersionStore } from './secret-version.store.js';
import { toConsumerView, toRevokedSecretView, toSecretView, toValueViews, toVersionView } from './secret-views.js';
import { SecretLoader, secretNotFound } from './secret-loader.js';
import { RevocationStore } from './revocation.store.js';

interface Change {
  readonly values: Readonly<Record<string, Buffer>>;
  readonly reason: VersionReason;
  readonly note?: string;
  readonly sourceVersion?: number;
  readonly restartWorkloads?: boolean;
  /** Two-phase: values kept in the cluster under `<key>.previous` until `graceEndsAt`. */
  readonly previous?: Readonly<Record<string, Buffer>>;
  readonly graceEndsAt?: Date;
}

/**
 * Every change to a secret. The order never loses a value: the new version is
 * stored sealed first, then the cluster object is written against the resourceVersion that was
 * read, and only then does the version become current. Of two writers that read the same
 * object, one wins and the other gets 409.
 */
@Injectable()
export class SecretWriterService implements SecretSystemWrites {
  constructor(
    private readonly policy: PolicyService,
    private readonly cluster: ClusterGateway,
    private readonly store: SecretVersionStore,
    private readonly loader: SecretLoader,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG)
    private readonly config: Pick<AppConfig, 'minGeneratedEntropyBits' | 'rotation' | 'reconcileGraceSeconds'>,
    private readonly clock: Clock,
    private readonly restarts: ConsumerRestarts,
    private readonly failedWrites: FailedWrites,
    private readonly revocations: RevocationStore,
  ) {}

  private get generatorLimits(): GeneratorLimits {
    return { minEntropyBits: this.config.minGeneratedEntropyBits };
  }

  create(actor: Actor, namespace: string, input: CreateSecretInput): Promise<SecretWriteResultView> {
    const plan = planCreate(input, this.generatorLimits, this.config.rotation.minIntervalSeconds);
    return this.audited(actor, ['create'], { namespace, name: input.name }, () =>
      this.createAuthorized(actor, namespace, input.name, plan),
    );
  }

  update(actor: Actor, target: Target, input: UpdateSecretInput, ifMatch?: number): Promise<SecretWriteResultView> {
    const values = decodeValues(input.data, input.dataEncoding);
    assertWithinSizeLimit(values);
    return this.audited(actor, ['update'], target, () => this.updateAuthorized(actor, target, values, input, ifMatch));
  }

  /**
   * Rotation with the stored policy needs `rotate`; choosing generators or keys in the request
   * also needs `update` (whoever picks the generator picks what the value can be), and returning
   * the new values also needs `read`. All of it is decided before anything happens.
   */
  rotate(actor: Actor, target: Target, input: RotateSecretInput): Promise<SecretWriteResultView> {
    const requested = validateGeneratorMap(input.generate ?? {}, this.generatorLimits);
    (input.keys ?? []).forEach(assertDataKey);
    const choosesGenerators = input.generate !== undefined || input.keys !== undefined;
    const verbs: [Verb, ...Verb[]] = [
      'rotate',
      ...(choosesGenerators ? (['update'] as const) : []),
      ...(input.returnValues ? (['read'] as const) : []),
    ];
    return this.audited(actor, verbs, target, () => this.rotateAuthorized(actor, target, requested, input));
  }

  /**
   * A rotation the broker decided on itself (the scheduler, audited by the caller): the same path
   * as `rotate`, with the stored policy's generators and no grant decision.
   */
  rotateDecided(actor: Actor, target: Target, reason: string): Promise<SecretWriteResultView> {
    return this.rotateAuthorized(actor, target, {}, { reason });
  }

  /** What the cluster now holds becomes a new version (drift policy `adopt`, audited by the caller). */
  adoptDecided(
    actor: Actor,
    record: SecretRecordEntity,
    live: ClusterSecret,
    adoption: Adoption = DRIFT_ADOPTION,
  ): Promise<SecretWriteResultView> {
    return this.commit(actor, live, record, {
      values: record.graceEndsAt ? withoutPreviousKeys(live.data) : live.data,
      reason: adoption.reason,
      note: adoption.note,
    });
  }

  rollback(actor: Actor, target: Target, input: RollbackSecretInput): Promise<SecretWriteResultView> {
    return this.audited(actor, ['rollback'], target, () => this.rollbackAuthorized(actor, target, input));
  }

  revoke(actor: Actor, target: Target, input: RevokeSecretInput): Promise<SecretView> {
    return this.audited(actor, ['revoke'], target, () => this.revokeAuthorized(actor, target, input));
  }

  /**
   * The decision (allowed) is the intent, written before the cluster is touched; the outcome
   * follows. An intent left without an outcome by a crash is settled by the reconciler at start.
   */
  private async audited<T extends SecretWriteResultView | SecretView>(
    actor: Actor,
    [verb, ...alsoRequired]: [Verb, ...Verb[]],
    target: Target,
    work: () => Promise<T>,
  ): Promise<T> {
    const intent = await this.policy.authorize(actor, { kind: 'target', verbs: [verb, ...alsoRequired], target });
    return this.audit.recordOutcome({ actor, action: verb, target, intentId: intent.auditEventId }, work, (result) => ({
      target: { ...target, version: result instanceof SecretWriteResultView ? result.version.version : undefined },
    }));
  }

  /**
   * All or nothing: the record (with its policy) and the pending version exist before the cluster
   * is asked; if the cluster refuses, or the answer is lost and the object is not there, both go.
   */
  private async createAuthorized(
    actor: Actor,
    namespace: string,
    name: string,
    plan: CreatePlan,
  ): Promise<SecretWriteResultView> {
    const values = { ...plan.supplied, ...(await generateValues(plan.generators)) };
    assertWithinSizeLimit(values);
    // A half-finished revocation must complete (destroying its retained values) before the name is reused.
    await this.loader.settleRevocationOf({ namespace, name });
    const record = await this.store.ensureRecord(namespace, name, plan.type, plan.policy);
    const pending = await this.store.addPending(record, {
      values,
      reason: 'create',
      createdBy: actor.subject,
      note: plan.note,
    });
    let written: ClusterSecret;
    try {
      written = await this.cluster.createSecret({
        namespace,
        name,
        type: plan.type,
        data: values,
        labels: managedLabels(plan.labels),
        annotations: { [VERSION_ANNOTATION]: String(pending.version) },
      });
    } catch (error) {
      written = await this.failedWrites.settle(record, pending, error);
    }
    await this.store.promote(record, pending, {
      type: plan.type,
      policy: plan.policy,
      nextRotationAt: firstRotationAt(plan.policy, new Date(this.clock.now())),
      // A name reused after a revocation starts without the old secret's grace period.
      graceEndsAt: null,
    });
    return this.result(written, pending.version, []);
  }

  private async updateAuthorized(
    actor: Actor,
    target: Target,
    values: Record<string, Buffer>,
    input: UpdateSecretInput,
    ifMatch?: number,
  ): Promise<SecretWriteResultView> {
    const { namespace, name } = target;
    const loaded = await this.loader.load(target);
    // Checked on the object whose resourceVersion the write will be conditional on, so a writer
    // that lands in between makes this write fail with 409 rather than be overwritten.
    const live = loaded.secret.annotations[VERSION_ANNOTATION];
    if (ifMatch !== undefined && live !== String(ifMatch)) {
      throw new DomainError(
        ErrorCode.Conflict,
        `Secret ${namespace}/${name} is at version ${live ?? 'none (not yet written by the broker)'}, not ${ifMatch}`,
      );
    }
    const { secret, record } = await this.adopt(actor, loaded);
    return this.commit(actor, secret, record, {
      values,
      reason: 'update',
      note: input.reason,
      restartWorkloads: input.restartWorkloads,
    });
  }

  private async rotateAuthorized(
    actor: Actor,
    target: Target,
    requested: Readonly<Record<string, GeneratorSpec>>,
    input: RotateSecretInput,
  ): Promise<SecretWriteResultView> {
    const { namespace, name } = target;
    const { secret, record } = await this.adopt(actor, await this.loader.load(target));
    const generators = { ...(record.rotationPolicy?.generators ?? {}), ...requested };
    const keys = input.keys ?? Object.keys(generators).filter((key) => generators[key].type !== 'supplied');
    if (keys.length === 0)
      throw new DomainError(
        ErrorCode.Unprocessable,
        `Secret ${namespace}/${name} has no generated keys; pass generate`,
      );
    const missing = keys.filter((key) => !Object.hasOwn(generators, key));
    if (missing.length > 0)
      throw new DomainError(ErrorCode.Unprocessable, `No generator for key ${missing.join(', ')}; pass generate`);
    const chosen = validateGeneratorMap(
      Object.fromEntries(keys.map((key) => [key, generators[key]])),
      this.generatorLimits,
    );
    assertWithinSizeLimit(
      Object.fromEntries(Object.entries(secret.data).filter(([key]) => !Object.hasOwn(chosen, key))),
      maxGeneratedBytes(chosen),
    );
    const rotated = await generateValues(chosen);
    // An unfinished grace period ends here: its `.previous` keys belong to no version.
    const current = record.graceEndsAt ? withoutPreviousKeys(secret.data) : secret.data;
    const values = { ...current, ...rotated };
    const policy = record.rotationPolicy;
    const twoPhase = policy?.strategy === 'two-phase';
    const previous = twoPhase
      ? Object.fromEntries(Object.keys(rotated).flatMap((key) => (current[key] ? [[key, current[key]]] : [])))
      : undefined;
    assertWithinSizeLimit(previous ? withPreviousKeys(values, previous) : values);
    const result = await this.commit(actor, secret, record, {
      values,
      reason: 'rotate',
      note: input.reason,
      restartWorkloads: input.restartWorkloads ?? policy?.restartWorkloads,
      previous,
      graceEndsAt: twoPhase ? new Date(this.clock.now() + (policy.graceSeconds ?? 0) * 1000) : undefined,
    });
    if (input.returnValues) result.values = toValueViews(rotated);
    return result;
  }

  private async rollbackAuthorized(
    actor: Actor,
    target: Target,
    input: RollbackSecretInput,
  ): Promise<SecretWriteResultView> {
    const { namespace, name } = target;
    const { secret, record } = await this.adopt(actor, await this.loader.load(target));
    const restored = await this.store.findVersion(record, input.version);
    if (!restored)
      throw new DomainError(ErrorCode.NotFound, `Secret ${namespace}/${name} has no version ${input.version}`);
    if (restored.state === 'current')
      throw new DomainError(ErrorCode.Conflict, `Version ${input.version} is already current`);
    const values = this.store.openValues(record, restored);
    if (!values)
      throw new DomainError(ErrorCode.Unprocessable, `The values of version ${input.version} are no longer retained`);
    return this.commit(actor, secret, record, {
      values,
      reason: 'rollback',
      sourceVersion: restored.version,
      note: input.reason,
      restartWorkloads: input.restartWorkloads,
    });
  }

  /**
   * Fully revoked or untouched: the record is marked before the cluster object is deleted, and
   * every value destroyed after. A refused delete unmarks it; anything that stops in between
   * (a lost answer, a database failure, a crash) is settled by the next access or by the
   * reconciler, from whether the cluster object still exists (SecretsService.load).
   */
  private async revokeAuthorized(actor: Actor, target: Target, input: RevokeSecretInput): Promise<SecretView> {
    const { namespace, name } = target;
    const { secret, record } = await this.adopt(actor, await this.loader.load(target));
    await this.revocations.beginRevocation(record, actor.subject, input.reason);
    try {
      await this.cluster.deleteSecret(namespace, name, secret.resourceVersion);
    } catch (error) {
      if (isDefiniteRefusal(error)) await this.revocations.cancelRevocation(record);
      throw error;
    }
    await this.revocations.markRevoked(record, actor.subject, input.reason);
    const revoked = await this.store.findRecord(namespace, name);
    return toRevokedSecretView(revoked ?? record);
  }

  /** A secret the broker has not written yet is adopted: its live value becomes version 1. */
  private async adopt(
    actor: Actor,
    loaded: { secret: ClusterSecret; record: SecretRecordEntity | null },
  ): Promise<{ secret: ClusterSecret; record: SecretRecordEntity }> {
    const { secret, record } = loaded;
    if (record?.state === 'active' && record.currentVersion !== null) return { secret, record };
    const adopted = await this.store.ensureRecord(
      secret.namespace,
      secret.name,
      secret.type,
      record?.rotationPolicy ?? null,
    );
    const pending = await this.store.addPending(adopted, {
      values: secret.data,
      reason: 'adopt',
      createdBy: actor.subject,
    });
    await this.store.promote(adopted, pending);
    return { secret, record: { ...adopted, currentVersion: pending.version } };
  }

  private async commit(
    actor: Actor,
    secret: ClusterSecret,
    record: SecretRecordEntity,
    change: Change,
  ): Promise<SecretWriteResultView> {
    const pending = await this.store.addPending(record, {
      values: change.values,
      reason: change.reason,
      createdBy: actor.subject,
      note: change.note,
      sourceVersion: change.sourceVersion,
      clusterVersion: versionOf(secret.annotations),
    });
    let written: ClusterSecret;
    try {
      written = await this.cluster.replaceSecret(
        {
          namespace: secret.namespace,
          name: secret.name,
          type: secret.type,
          data: change.previous ? withPreviousKeys(change.values, change.previous) : change.values,
          labels: managedLabels(secret.labels),
          annotations: { ...secret.annotations, [VERSION_ANNOTATION]: String(pending.version) },
        },
        secret.resourceVersion,
      );
    } catch (error) {
      written = await this.failedWrites.settle(record, pending, error);
    }
    // A write without `.previous` keys ends any grace period that was running.
    await this.store.promote(record, pending, { graceEndsAt: change.graceEndsAt ?? null });
    const restarted = change.restartWorkloads
      ? await this.restarts.restart(secret.namespace, secret.name, record.rotationPolicy)
      : [];
    return this.result(written, pending.version, restarted);
  }

  private async result(
    written: ClusterSecret,
    version: number,
    restarted: SecretConsumer[],
  ): Promise<SecretWriteResultView> {
    const record = await this.store.findRecord(written.namespace, written.name);
    const versionEntity = record ? await this.store.findVersion(record, version) : null;
    if (!record || !versionEntity) throw secretNotFound(written);
    return Object.assign(new SecretWriteResultView(), {
      secret: toSecretView(written, record),
      version: toVersionView(versionEntity),
      restarted: restarted.map(toConsumerView),
    });
  }
}
