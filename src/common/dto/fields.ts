import { applyDecorators } from '@nestjs/common';
import { Field } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import {
  NAMESPACE_MESSAGE,
  NAMESPACE_PATTERN,
  ROLE_NAME_MESSAGE,
  ROLE_NAME_PATTERN,
  SECRET_NAME_MAX_LENGTH,
  SECRET_NAME_MESSAGE,
  SECRET_NAME_PATTERN,
} from '../vocabulary/names.js';

export const MAX_REASON_LENGTH = 1024;

/** C0 and C1 control characters and DEL: never meaningful in a name, subject, reason or label. */
export const CONTROL_CHARACTER = /\p{Cc}/u;

function freeOfControlCharacters(value: unknown): boolean {
  if (typeof value === 'string') return !CONTROL_CHARACTER.test(value);
  if (Array.isArray(value)) return value.every(freeOfControlCharacters);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).every(
      ([key, entry]) => !CONTROL_CHARACTER.test(key) && freeOfControlCharacters(entry),
    );
  }
  return true;
}

/** Refuses control characters in a string, or in the keys and strings of an array or object (400). */
export function NoControlCharacters(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'noControlCharacters',
      validator: {
        validate: freeOfControlCharacters,
        defaultMessage: (args) => `${args?.property ?? 'value'} must not contain control characters`,
      },
    },
    options,
  );
}

/** The optional free-text `reason` that most writes accept: REST, GraphQL and validation at once. */
export function OptionalReasonField(
  description = "The caller's stated reason, recorded with the change",
): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ maxLength: MAX_REASON_LENGTH, description }),
    Field(() => String, { nullable: true, description }),
    IsOptional(),
    IsString(),
    MaxLength(MAX_REASON_LENGTH),
    NoControlCharacters(),
  );
}

/** An optional boolean switch, documented once for both transports. */
export function OptionalFlagField(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description }),
    Field(() => Boolean, { nullable: true, description }),
    IsOptional(),
    IsBoolean(),
  );
}

/** A Kubernetes namespace name, for REST (path, body, query) and GraphQL alike. */
export function NamespaceField(description = 'A Kubernetes namespace'): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ example: 'team-a', description }),
    Field(() => String, { description }),
    IsString(),
    Matches(NAMESPACE_PATTERN, { message: NAMESPACE_MESSAGE }),
  );
}

/** A Kubernetes Secret name, for REST and GraphQL alike. */
export function SecretNameField(description = 'A Secret name'): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ example: 'db-main', maxLength: SECRET_NAME_MAX_LENGTH, description }),
    Field(() => String, { description }),
    IsString(),
    MaxLength(SECRET_NAME_MAX_LENGTH, { message: SECRET_NAME_MESSAGE }),
    Matches(SECRET_NAME_PATTERN, { message: SECRET_NAME_MESSAGE }),
  );
}

/** A role name (a DNS label), for REST and GraphQL alike. */
export function RoleNameField(description = 'A role name'): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ example: 'reader', description }),
    Field(() => String, { description }),
    IsString(),
    Matches(ROLE_NAME_PATTERN, { message: ROLE_NAME_MESSAGE }),
  );
}
