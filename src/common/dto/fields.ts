import { applyDecorators } from '@nestjs/common';
import { Field } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength, ValidateBy, type ValidationOptions } from 'class-validator';

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
