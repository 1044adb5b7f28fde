import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { PolicyService, type Target } from '../grants/policy.service.js';
import type { RotationPolicyInput } from './dto/secret-inputs.js';
import type { RotationPolicy } from './rotation-policy.js';
import { firstRotationAt } from './rotation-schedule.js';
import { SecretLoader } from './secret-loader.js';
import { toSecretView } from './secret-views.js';
import { rotationPolicyOf } from './create-plan.js';
import { SecretVersionStore } from './secret-version.store.js';
import type { SecretView } from './models/secret.model.js';

// An audit detail holds at most 256 characters; a policy is described by its settings and generator types.
const MAX_DESCRIPTION = 256;

/**
 * Changing a secret's rotation policy after it was created: under `update` (it decides what
 * future values can be and when they change), audited with the old and the new policy (settings
 * and generator types, never a value). The next scheduled rotation counts from the change.
 */
@Injectable()
export class RotationPolicyService {
  constructor(
    private readonly policy: PolicyService,
    private readonly loader: SecretLoader,
    private readonly store: SecretVersionStore,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'minGeneratedEntropyBits' | 'rotation'>,
  ) {}

  async update(actor: Actor, target: Target, input: RotationPolicyInput): Promise<SecretView> {
    const intent = await this.policy.authorize(actor, { kind: 'target', verbs: ['update'], target });
    let change: { from: RotationPolicy | null; to: RotationPolicy } | undefined;
    return this.audit.recordOutcome(
      { actor, action: 'update', target, intentId: intent.auditEventId },
      async () => {
        const { secret, record } = await this.loader.load(target);
        if (!record || record.state !== 'active' || record.currentVersion === null) {
          throw new DomainError(
            ErrorCode.Unprocessable,
            `Secret ${target.namespace}/${target.name} is not managed by the broker: write it first`,
          );
        }
        const next = rotationPolicyOf(
          { rotationPolicy: input },
          record.rotationPolicy?.generators ?? {},
          { minEntropyBits: this.config.minGeneratedEntropyBits },
          this.config.rotation.minIntervalSeconds,
        );
        if (next === null) throw new DomainError(ErrorCode.Unprocessable, 'A rotation policy needs settings');
        const nextRotationAt = firstRotationAt(next, new Date(this.clock.now()));
        await this.store.setRotationPolicy(record, next, nextRotationAt);
        change = { from: record.rotationPolicy, to: next };
        return toSecretView(secret, Object.assign(record, { rotationPolicy: next, nextRotationAt }));
      },
      () => ({ details: { previousPolicy: describe(change?.from ?? null), policy: describe(change?.to ?? null) } }),
    );
  }
}

function describe(policy: RotationPolicy | null): string {
  if (policy === null) return 'none';
  const { generators, ...settings } = policy;
  const types = Object.fromEntries(Object.entries(generators).map(([key, spec]) => [key, spec.type]));
  return JSON.stringify({ ...settings, generators: types }).slice(0, MAX_DESCRIPTION);
}
