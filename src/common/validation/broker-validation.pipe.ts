import { ValidationError, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { validate } from 'class-validator';
import { DomainError, ErrorCode } from '../errors/domain-error.js';

const RAW_JSON_FIELDS = Symbol('secrets-broker:raw-json-fields');

/**
 * Marks a DTO property as a free-form JSON object (values, generators, labels) that must reach
 * the service exactly as the caller sent it. Nest's pipe deletes `constructor` (its prototype-
 * pollution guard) and class-transformer drops `toString`, `valueOf` and other names of
 * Object.prototype members, yet those are valid Secret keys. The service never merges these
 * objects into others by assignment, and refuses `__proto__` as a key.
 */
export function RawJsonObject(): PropertyDecorator {
  return (target, property) => {
    const fields = (Reflect.getMetadata(RAW_JSON_FIELDS, target.constructor) as string[] | undefined) ?? [];
    Reflect.defineMetadata(RAW_JSON_FIELDS, [...fields, String(property)], target.constructor);
  };
}

/**
 * The global validation pipe: whitelisting, transformation, errors as INVALID_INPUT naming every
 * field. DTOs with RawJsonObject properties get those properties back as sent (from a copy taken
 * before transformation), and are validated again with them.
 */
export class BrokerValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => invalidInput(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (!hasRawJsonFields(metadata.metatype) || typeof value !== 'object' || value === null)
      return super.transform(value, metadata);
    const original: unknown = structuredClone(value);
    const entity: unknown = await super.transform(value, metadata);
    restoreRawJson(entity, original);
    const errors = await validate(entity as object, {
      whitelist: true,
      forbidNonWhitelisted: true,
      validationError: { target: false },
    });
    if (errors.length > 0) throw invalidInput(errors);
    return entity;
  }
}

function rawJsonFieldsOf(type: unknown): readonly string[] {
  return typeof type === 'function' ? ((Reflect.getMetadata(RAW_JSON_FIELDS, type) as string[] | undefined) ?? []) : [];
}

/** Whether the DTO, or a DTO nested in it, has raw JSON properties. */
function hasRawJsonFields(type: unknown, seen = new Set<unknown>()): boolean {
  if (typeof type !== 'function' || seen.has(type)) return false;
  seen.add(type);
  if (rawJsonFieldsOf(type).length > 0) return true;
  const prototype = (type as { prototype: object }).prototype;
  return Object.getOwnPropertyNames(prototype).some((property) =>
    hasRawJsonFields(Reflect.getMetadata('design:type', prototype, property), seen),
  );
}

/** Puts the raw JSON properties of `original` back on `entity` and the DTOs nested in it. */
function restoreRawJson(entity: unknown, original: unknown): void {
  if (typeof entity !== 'object' || entity === null || typeof original !== 'object' || original === null) return;
  const fields = rawJsonFieldsOf(entity.constructor);
  const source = original as Record<string, unknown>;
  const target = entity as Record<string, unknown>;
  for (const field of fields) if (Object.hasOwn(source, field)) target[field] = source[field];
  for (const [key, child] of Object.entries(target)) if (!fields.includes(key)) restoreRawJson(child, source[key]);
}

function invalidInput(errors: ValidationError[]): DomainError {
  const messages = flatten(errors);
  return new DomainError(ErrorCode.InvalidInput, messages.join('; '), { details: { errors: messages } });
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = `${prefix}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? `${prefix}${message}` : `${path}: ${message}`,
    );
    return [...own, ...flatten(error.children ?? [], `${path}.`)];
  });
}
