import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../common/actor.js';
import { ClusterGateway, type ClusterSecret } from '../cluster/cluster.gateway.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { AuditService } from '../audit/audit.service.js';
import { toDomainError } from '../common/errors/to-domain-error.js';
import { PolicyService, type Target } from '../grants/policy.service.js';
import type { Verb } from '../common/vocabulary/verbs.js';
import { findConsumers, type SecretConsumer } from './consumers.js';
import type {
  CreateSecretInput,
  RollbackSecretInput,
  RotateSecretInput,
  RevokeSecretInput,
  UpdateSecretInput,
} from './dto/secret-inputs.js';
import type { SecretRecordEntity } from './entities/secret-record.entity.js';
import type { SecretVersionEntity, VersionReason } from './entities/secret-version.entity.js';
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
import type { RotationPolicy } from './rotation-policy.js';
import { firstRotationAt, isScheduled, validateSchedule } from './rotation-schedule.js';
import { assertDataKey, assertWithinSizeLimit, decodeValues, validateLabels } from './secret-input.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, VERSION_ANNOTATION, versionOf } from './secret-labels.js';
import { SecretVersionStore } from './secret-version.store.js';
import { RestartBatches } from './restart-batches.js';
import { toConsumerView, toRevokedSecretView, toSecretView, toValueViews, toVersionView } from './secret-views.js';
import { SecretLoader, secretNotFound } from './secret-loader.js';

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

/** How adoptLive records what it adopted. */
export interface Adoption {
  readonly action: 'drift' | 'reconcile';
  readonly reason: Extract<VersionReason, 'adopt' | 'restore'>;
  /** The intent's reason (audited). */
  readonly why: string;
  /** The version's note. */
  readonly note: string;
}

const DRIFT_ADOPTION: Adoption = {
  action: 'drift',
  reason: 'adopt',
  why: 'onDrift adopt: the live values become a new version',
  note: 'drift adopted',
};

/** A grace period whose end is taken by one replica is retried by another after this long. */
const GRACE_END_LEASE_MS = 30_000;

/**
 * Every change to a secret. The order never loses a value: the new version is
 * stored sealed first, then the cluster object is written against the resourceVersion that was
 * read, and only then does the version become current. Of two writers that read the same
 * object, one wins and the other gets 409.
 */
@Injectable()
export class SecretWriterService {
  constructor(
    private readonly policy: PolicyService,
    private readonly cluster: ClusterGateway,
    private readonly store: SecretVersionStore,
    private readonly loader: SecretLoader,
    private readonly audit: AuditService,
    private readonly restartBatches: RestartBatches,
    @Inject(APP_CONFIG)
    private readonly config: Pick<AppConfig, 'minGeneratedEntropyBits' | 'rotation' | 'reconcileGraceSeconds'>,
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
   * A rotation the broker starts itself (the scheduler): the same path as `rotate` with the
   * stored policy, audited as intent and outcome under the system subject, with no grant decision.
   */
  async rotateAsSystem(actor: Actor, target: Target, reason: string): Promise<SecretWriteResultView> {
    const intent = await this.audit.record({ actor, action: 'rotate', outcome: 'allowed', target, reason });
    return this.audit.recordOutcome({ actor, action: 'rotate', target, intentId: intent.id }, () =>
      this.rotateAuthorized(actor, target, {}, { reason }),
    );
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
      written = await this.settleFailedWrite(record, pending, error);
    }
    await this.store.promote(record, pending, {
      type: plan.type,
      policy: plan.policy,
      nextRotationAt: firstRotationAt(plan.policy, new Date()),
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
      graceEndsAt: twoPhase ? new Date(Date.now() + (policy.graceSeconds ?? 0) * 1000) : undefined,
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
    await this.store.beginRevocation(record, actor.subject, input.reason);
    try {
      await this.cluster.deleteSecret(namespace, name, secret.resourceVersion);
    } catch (error) {
      if (isDefiniteRefusal(error)) await this.store.cancelRevocation(record);
      throw error;
    }
    await this.store.markRevoked(record, actor.subject, input.reason);
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
      written = await this.settleFailedWrite(record, pending, error);
    }
    // A write without `.previous` keys ends any grace period that was running.
    await this.store.promote(record, pending, { graceEndsAt: change.graceEndsAt ?? null });
    const restarted = change.restartWorkloads
      ? await this.restartConsumers(secret.namespace, secret.name, record.rotationPolicy)
      : [];
    return this.result(written, pending.version, restarted);
  }

  /**
   * Ends a two-phase grace period that is over: the `.previous` keys leave the cluster object and
   * the previous version becomes deprecated. Taken by one replica at a time; a crash in between
   * leaves it to be taken again, and removing keys already removed changes nothing.
   */
  async finishGracePeriod(actor: Actor, record: SecretRecordEntity): Promise<boolean> {
    const endsAt = record.graceEndsAt;
    if (endsAt === null) return false;
    const leaseUntil = new Date(Date.now() + GRACE_END_LEASE_MS);
    if (!(await this.store.claimGraceEnd(record, endsAt, leaseUntil))) return false;
    const target = { namespace: record.namespace, name: record.name };
    const reason = 'two-phase rotation: grace period over, previous values removed';
    const intent = await this.audit.record({ actor, action: 'rotate', outcome: 'allowed', target, reason });
    await this.audit.recordOutcome(
      {
        actor,
        action: 'rotate',
        target: { ...target, version: record.currentVersion ?? undefined },
        intentId: intent.id,
      },
      async () => {
        const live = await this.cluster.getSecret(record.namespace, record.name);
        const settled = await this.store.findRecord(record.namespace, record.name);
        // A write in flight may be putting `.previous` keys of its own there: they are not ours to remove.
        if (
          !settled ||
          (await this.store.hasPendingVersion(settled, this.config.reconcileGraceSeconds)) ||
          (live && live.annotations[VERSION_ANNOTATION] !== String(settled.currentVersion))
        )
          throw new DomainError(ErrorCode.Conflict, 'A write to the secret is in flight; the grace period ends later');
        if (live) {
          const data = withoutPreviousKeys(live.data);
          if (Object.keys(data).length !== Object.keys(live.data).length) {
            await this.cluster.replaceSecret(
              {
                namespace: live.namespace,
                name: live.name,
                type: live.type,
                data,
                labels: live.labels,
                annotations: live.annotations,
              },
              live.resourceVersion,
            );
          }
        }
        await this.store.endGrace(record, leaseUntil);
      },
    );
    return true;
  }

  /**
   * Drift policy `restore`: the current version's values are written back over what changed
   * outside the broker (or the object is recreated). No new version: the current one is the truth.
   */
  async restoreCurrent(actor: Actor, record: SecretRecordEntity, live: ClusterSecret | undefined): Promise<void> {
    const target = { namespace: record.namespace, name: record.name, version: record.currentVersion ?? undefined };
    const intent = await this.audit.record({
      actor,
      action: 'drift',
      outcome: 'allowed',
      target,
      reason: 'onDrift restore: writing the current version back',
    });
    await this.audit.recordOutcome({ actor, action: 'drift', target, intentId: intent.id }, async () => {
      const current = await this.store.findCurrentVersion(record);
      const values = current ? this.store.openValues(record, current) : undefined;
      if (!current || !values)
        throw new DomainError(ErrorCode.Unprocessable, 'The current version has no retained values to restore');
      const annotations = { ...(live?.annotations ?? {}), [VERSION_ANNOTATION]: String(current.version) };
      const labels = managedLabels(live?.labels ?? {});
      const write = {
        namespace: record.namespace,
        name: record.name,
        type: record.type,
        data: values,
        labels,
        annotations,
      };
      if (live) await this.cluster.replaceSecret(write, live.resourceVersion);
      else await this.cluster.createSecret(write);
      await this.store.clearDrift(record);
    });
  }

  /**
   * What the cluster now holds becomes a new version: drift policy `adopt`, or, at start, a
   * cluster object ahead of the records of a database restored from a backup.
   */
  async adoptLive(
    actor: Actor,
    record: SecretRecordEntity,
    live: ClusterSecret,
    adoption: Adoption = DRIFT_ADOPTION,
  ): Promise<void> {
    const target = { namespace: record.namespace, name: record.name };
    const intent = await this.audit.record({
      actor,
      action: adoption.action,
      outcome: 'allowed',
      target,
      reason: adoption.why,
    });
    await this.audit.recordOutcome(
      { actor, action: adoption.action, target, intentId: intent.id },
      () =>
        this.commit(actor, live, record, {
          values: record.graceEndsAt ? withoutPreviousKeys(live.data) : live.data,
          reason: adoption.reason,
          note: adoption.note,
        }),
      (result) => ({ target: { ...target, version: result.version.version } }),
    );
  }

  /**
   * Restarts run after the version is current; a failed restart is logged, not fatal. With
   * `restartBatchSize`, the first batch is restarted before the answer and the others follow,
   * `restartIntervalSeconds` apart, so the consumers do not all restart at once; those are stored,
   * and resumed by another process if this one stops (RestartBatches).
   */
  private async restartConsumers(
    namespace: string,
    name: string,
    policy: RotationPolicy | null,
  ): Promise<SecretConsumer[]> {
    const consumers = findConsumers(await this.cluster.listWorkloads(namespace), name);
    const size = policy?.restartBatchSize ?? consumers.length;
    const batches = Array.from({ length: Math.ceil(consumers.length / Math.max(size, 1)) }, (_, index) =>
      consumers.slice(index * size, (index + 1) * size),
    );
    return this.restartBatches.restartInBatches(namespace, name, batches, (policy?.restartIntervalSeconds ?? 0) * 1000);
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

  /**
   * A definite refusal (conflict, invalid, forbidden…) means the cluster kept its old state, so
   * the pending version never became real: it is discarded and the error stands. After a lost
   * answer (timeout, 5xx) the write may have landed: the object is read back once; holding the
   * pending version, the write succeeded after all; holding anything else, it did not. If even
   * that read fails, the version stays pending and the reconciler settles it at start.
   */
  private async settleFailedWrite(
    record: SecretRecordEntity,
    pending: SecretVersionEntity,
    error: unknown,
  ): Promise<ClusterSecret> {
    if (isDefiniteRefusal(error)) {
      await this.store.discard(pending);
      throw error;
    }
    let live: ClusterSecret | undefined;
    try {
      live = await this.cluster.getSecret(record.namespace, record.name);
    } catch {
      throw error;
    }
    if (
      live &&
      live.annotations[VERSION_ANNOTATION] === String(pending.version) &&
      this.store.holdsVersion(record, pending, live.data)
    )
      return live;
    await this.store.discard(pending);
    throw error;
  }
}

function isDefiniteRefusal(error: unknown): boolean {
  return toDomainError(error).code !== ErrorCode.Unavailable;
}

function managedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return { ...labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}

interface CreatePlan {
  readonly type: string;
  readonly supplied: Readonly<Record<string, Buffer>>;
  readonly generators: Readonly<Record<string, GeneratorSpec>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly policy: RotationPolicy | null;
  readonly note: string | undefined;
}

/** Everything a create can check before it is authorised and anything is generated or written. */
function planCreate(input: CreateSecretInput, limits: GeneratorLimits, minIntervalSeconds: number): CreatePlan {
  const supplied = decodeValues(input.data ?? {}, input.dataEncoding);
  const generators = validateGeneratorMap(input.generate ?? {}, limits);
  const overlap = Object.keys(generators).filter((key) => Object.hasOwn(supplied, key));
  if (overlap.length > 0)
    throw new DomainError(ErrorCode.Unprocessable, `Keys ${overlap.join(', ')} are both supplied and generated`);
  if (Object.keys(supplied).length + Object.keys(generators).length === 0)
    throw new DomainError(ErrorCode.Unprocessable, 'A secret needs data or generate');
  assertWithinSizeLimit(supplied, maxGeneratedBytes(generators));
  return {
    type: input.type ?? 'Opaque',
    supplied,
    generators,
    labels: validateLabels(input.labels ?? {}),
    policy: rotationPolicyOf(input, generators, limits, minIntervalSeconds),
    note: input.reason,
  };
}

/** Generated keys are remembered, so a later rotate needs no body. */
export function rotationPolicyOf(
  input: Pick<CreateSecretInput, 'rotationPolicy'>,
  generators: Readonly<Record<string, GeneratorSpec>>,
  limits: GeneratorLimits,
  minIntervalSeconds: number,
): RotationPolicy | null {
  const declared = input.rotationPolicy;
  if (declared?.webhooks !== undefined) {
    throw new DomainError(
      ErrorCode.Unprocessable,
      'rotationPolicy.webhooks is no longer accepted: subscribe to the secret with POST /v1/webhooks',
    );
  }
  const declaredGenerators = declared?.generators ? validateGeneratorMap(declared.generators, limits) : {};
  const merged = { ...generators, ...declaredGenerators };
  if (!declared && Object.keys(merged).length === 0) return null;
  if (declared?.intervalSeconds !== undefined && declared.intervalSeconds < minIntervalSeconds)
    throw new DomainError(ErrorCode.Unprocessable, `intervalSeconds must be at least ${minIntervalSeconds}`);
  if (declared) validateSchedule(declared);
  if (declared && isScheduled(declared) && Object.values(merged).every((spec) => spec.type === 'supplied'))
    throw new DomainError(ErrorCode.Unprocessable, 'A rotation schedule needs at least one generated key');
  if (declared?.strategy === 'two-phase' && declared.graceSeconds === undefined)
    throw new DomainError(ErrorCode.Unprocessable, 'A two-phase rotation policy needs graceSeconds');
  return {
    generators: merged,
    intervalSeconds: declared?.intervalSeconds,
    schedule: declared?.schedule,
    strategy: declared?.strategy,
    graceSeconds: declared?.graceSeconds,
    restartWorkloads: declared?.restartWorkloads,
    restartBatchSize: declared?.restartBatchSize,
    restartIntervalSeconds: declared?.restartIntervalSeconds,
    onDrift: declared?.onDrift,
  };
}
