import { ValidationError, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { CLASS_TYPE_METADATA } from '@nestjs/graphql';
import { getMetadataStorage, validate } from 'class-validator';
import { DomainError, ErrorCode } from '../errors/domain-error.js';

const RAW_JSON_FIELDS = Symbol('secrets-broker:raw-json-fields');
// What @ArgsType() records under CLASS_TYPE_METADATA (@nestjs/graphql's ClassType.ARGS, not exported).
const GRAPHQL_ARGUMENTS_CLASS = 'args';
// Values that passed (path parameters, GraphQL arguments), per DTO class, before the memory is cleared and starts again.
const MAX_REMEMBERED_PARAMS = 10_000;

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

  // The rules are pure functions of the value, so a value that passed passes again: path
  // parameters and GraphQL arguments of strings (`namespace` and `name` of every read; short, and
  // never secret) and an absent or empty body are validated once per DTO class, then only transformed. Only values that passed
  // are remembered; anything else is validated, and refused with its messages, every time.
  // The transformation is a pure function of the value too: what it gave is kept with the value,
  // and each request gets a shallow copy of it (its own object, so a handler cannot change another's).
  private readonly passed = new WeakMap<object, Map<string, object>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype } = metadata;
    const key = this.toValidate(metadata) && rememberable(value, metadata) ? JSON.stringify(value ?? {}) : undefined;
    const remembered =
      key !== undefined && typeof metatype === 'function' ? this.passed.get(metatype)?.get(key) : undefined;
    if (remembered !== undefined) return copyOf(remembered);
    const transformed = await this.validateAndTransform(value, metadata);
    if (key !== undefined && typeof metatype === 'function' && isObject(transformed)) {
      this.remember(metatype, key, transformed);
    }
    return transformed;
  }

  private remember(metatype: object, key: string, transformed: object): void {
    let values = this.passed.get(metatype);
    if (values === undefined) {
      values = new Map();
      this.passed.set(metatype, values);
    }
    if (values.size >= MAX_REMEMBERED_PARAMS) values.clear();
    // A copy: the handler that gets `transformed` may change it.
    values.set(key, copyOf(transformed));
  }

  private async validateAndTransform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (typeof value !== 'object' || value === null || !reachesRawJson(metadata.metatype)) {
      return super.transform(value, metadata);
    }
    // Taken before Nest's pipe strips keys from the value in place.
    const original: unknown = structuredClone(value);
    const entity: unknown = await super.transform(value, metadata);
    if (!restoreRawJson(entity, original)) return entity;
    const errors = await validate(entity as object, {
      whitelist: true,
      forbidNonWhitelisted: true,
      validationError: { target: false },
    });
    if (errors.length > 0) throw invalidInput(errors);
    return entity;
  }
}

/**
 * Path parameters of a DTO class, the GraphQL arguments of an operation when all are strings
 * (`namespace` and `name` of every read), or an absent or empty body: values worth remembering
 * once they passed. A REST body of strings is not remembered: it may carry a credential.
 */
function rememberable(value: unknown, metadata: ArgumentMetadata): boolean {
  const { metatype } = metadata;
  if (typeof metatype !== 'function' || metadata.data !== undefined || reachesRawJson(metatype)) {
    return false;
  }
  if (metadata.type === 'param' || (metadata.type === 'body' && isGraphqlArgumentsType(metatype))) {
    return isPlainObjectOfStrings(value);
  }
  if (metadata.type === 'body')
    return value === undefined || (isPlainObjectOfStrings(value) && Object.keys(value).length === 0);
  return false;
}

// Nest hands pipes the arguments of a resolver (an @ArgsType() class) labelled as a body.
function isGraphqlArgumentsType(metatype: object): boolean {
  return Reflect.getMetadata(CLASS_TYPE_METADATA, metatype) === GRAPHQL_ARGUMENTS_CLASS;
}

/** A shallow copy of a DTO instance: an object of its own, of the same class. */
function copyOf(instance: object): object {
  const copy = Object.create(Object.getPrototypeOf(instance) as object | null) as object;
  return Object.assign(copy, instance);
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function isPlainObjectOfStrings(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((entry) => typeof entry === 'string')
  );
}

// Whether a DTO class holds raw JSON properties, itself or in a DTO nested in it; known once per class.
const reachesRawJsonByType = new WeakMap<object, boolean>();

/** Only DTOs that can hold raw JSON pay for the copy: most requests (reads) never do. */
function reachesRawJson(type: unknown, seen = new Set<unknown>()): boolean {
  if (typeof type !== 'function' || seen.has(type)) return false;
  const known = reachesRawJsonByType.get(type);
  if (known !== undefined) return known;
  seen.add(type);
  const prototype = (type as { prototype: object }).prototype;
  const properties = getMetadataStorage()
    .getTargetValidationMetadatas(type, '', true, false)
    .map((validation) => validation.propertyName);
  const reaches =
    rawJsonFieldsOf(type).length > 0 ||
    [...new Set(properties)].some((property) =>
      reachesRawJson(Reflect.getMetadata('design:type', prototype, property), seen),
    );
  reachesRawJsonByType.set(type, reaches);
  return reaches;
}

function rawJsonFieldsOf(type: unknown): readonly string[] {
  return typeof type === 'function' ? ((Reflect.getMetadata(RAW_JSON_FIELDS, type) as string[] | undefined) ?? []) : [];
}

/**
 * Puts the raw JSON properties of `original` back on `entity` and the DTOs nested in it (found
 * by their runtime class). Returns whether anything was restored.
 */
function restoreRawJson(entity: unknown, original: unknown): boolean {
  if (typeof entity !== 'object' || entity === null || typeof original !== 'object' || original === null) return false;
  const fields = rawJsonFieldsOf(entity.constructor);
  const source = original as Record<string, unknown>;
  const target = entity as Record<string, unknown>;
  let restored = false;
  for (const field of fields) {
    if (Object.hasOwn(source, field)) {
      target[field] = source[field];
      restored = true;
    }
  }
  for (const [key, child] of Object.entries(target)) {
    if (!fields.includes(key) && restoreRawJson(child, source[key])) restored = true;
  }
  return restored;
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
