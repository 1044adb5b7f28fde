import { applyDecorators } from '@nestjs/common';
import { Field } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';

export const MAX_REASON_LENGTH = 1024;

/** The optional free-text `reason` that most writes accept: REST, GraphQL and validation at once. */
export function OptionalReasonField(description = "The caller's stated reason, recorded with the change"): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ maxLength: MAX_REASON_LENGTH, description }),
    Field(() => String, { nullable: true, description }),
    IsOptional(),
    IsString(),
    MaxLength(MAX_REASON_LENGTH),
  );
}

/** An optional boolean switch, documented once for both transports. */
export function OptionalFlagField(description: string): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ description }), Field(() => Boolean, { nullable: true, description }), IsOptional(), IsBoolean());
}
