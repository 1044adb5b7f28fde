import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { CreateSecretInput } from './dto/secret-inputs.js';
import { maxGeneratedBytes, validateGeneratorMap, type GeneratorLimits, type GeneratorSpec } from './generators.js';
import type { RotationPolicy } from './rotation-policy.js';
import { isScheduled, validateSchedule } from './rotation-schedule.js';
import { assertWithinSizeLimit, decodeValues, validateLabels } from './secret-input.js';

export interface CreatePlan {
  readonly type: string;
  readonly supplied: Readonly<Record<string, Buffer>>;
  readonly generators: Readonly<Record<string, GeneratorSpec>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly policy: RotationPolicy | null;
  readonly note: string | undefined;
}

/** Everything a create can check before it is authorised and anything is generated or written. */
export function planCreate(input: CreateSecretInput, limits: GeneratorLimits, minIntervalSeconds: number): CreatePlan {
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

/** Generated keys are remembered, so a later rotate needs no body. Also checks a policy changed after create. */
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
  if (declared) validateSchedule(declared, minIntervalSeconds);
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
