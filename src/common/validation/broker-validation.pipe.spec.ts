import 'reflect-metadata';
import { ArgsType } from '@nestjs/graphql';
import { IsOptional, IsString, Matches, ValidateIf } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors/domain-error.js';
import { BrokerValidationPipe } from './broker-validation.pipe.js';

let validations = 0;

class Address {
  // Counts the validations class-validator runs for this class.
  @ValidateIf(() => ++validations > 0)
  @IsString()
  @Matches(/^[a-z]+$/, { message: 'name must be lower-case letters' })
  name: string;
}

class Options {
  @IsOptional()
  @IsString()
  reason?: string;
}

const param = { type: 'param', metatype: Address } as const;
// A resolver's arguments: Nest labels them a body.
@ArgsType()
class AddressArgs extends Address {}
const graphqlArguments = { type: 'body', metatype: AddressArgs } as const;
const restBody = { type: 'body', metatype: Address } as const;
const body = { type: 'body', metatype: Options } as const;

describe('BrokerValidationPipe', () => {
  it('validates path parameters that passed once, then gives a fresh instance each time', async () => {
    const pipe = new BrokerValidationPipe();
    validations = 0;
    const first = await pipe.transform({ name: 'db' }, param);
    const second = await pipe.transform({ name: 'db' }, param);
    expect(validations).toBe(1);
    expect(second).toBeInstanceOf(Address);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    // What one handler does to its instance reaches no other request's.
    (first as Address).name = 'changed';
    (second as Address).name = 'changed';
    const third = await pipe.transform({ name: 'db' }, param);
    expect(third).toBeInstanceOf(Address);
    expect((third as Address).name).toBe('db');
    expect(validations).toBe(1);
  });

  it('remembers GraphQL arguments that passed as it does path parameters, and refuses others every time', async () => {
    const pipe = new BrokerValidationPipe();
    validations = 0;
    await pipe.transform({ name: 'db' }, graphqlArguments);
    expect(await pipe.transform({ name: 'db' }, graphqlArguments)).toBeInstanceOf(AddressArgs);
    expect(validations).toBe(1);
    for (let i = 0; i < 2; i++) {
      await expect(pipe.transform({ name: 'DB' }, graphqlArguments)).rejects.toThrow('name must be lower-case letters');
    }
    expect(validations).toBe(3);
    // The same strings in a REST body are validated every time (a body may carry a credential).
    await pipe.transform({ name: 'db' }, restBody);
    await pipe.transform({ name: 'db' }, restBody);
    expect(validations).toBe(5);
  });

  it('refuses invalid path parameters with their messages every time', async () => {
    const pipe = new BrokerValidationPipe();
    for (let i = 0; i < 2; i++) {
      const refused = await pipe.transform({ name: 'DB' }, param).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DomainError);
      expect((refused as DomainError).message).toBe('name must be lower-case letters');
    }
    await expect(pipe.transform({ name: 'db', extra: 'x' }, param)).rejects.toThrow(/extra should not exist/);
    await pipe.transform({ name: 'db' }, param);
    await expect(pipe.transform({ name: 'db', extra: 'x' }, param)).rejects.toThrow(/extra should not exist/);
  });

  it('remembers an absent or empty body, and validates any other body every time', async () => {
    const pipe = new BrokerValidationPipe();
    expect(await pipe.transform(undefined, body)).toBeInstanceOf(Options);
    expect(await pipe.transform(undefined, body)).toBeInstanceOf(Options);
    expect(await pipe.transform({}, body)).toBeInstanceOf(Options);
    await expect(pipe.transform({ reason: 7 }, body)).rejects.toThrow(/reason must be a string/);
    await expect(pipe.transform({ reason: 7 }, body)).rejects.toThrow(/reason must be a string/);
  });
});
