import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkSocketOperation } from './graphql-limits.js';

const schema = buildSchema(`
  type Event { name: String, next: Event }
  type Query { whoami: String }
  type Mutation { rotate: String }
  type Subscription { events: Event }
`);

const messages = (query: string, production = true) =>
  (checkSocketOperation(schema, production, { query }).errors ?? []).map((error) => error.message).join(' | ');

describe('checkSocketOperation', () => {
  it('accepts a subscription within the limits', () => {
    expect(checkSocketOperation(schema, true, { query: 'subscription { events { name } }' }).errors).toBeUndefined();
  });

  it.each([
    ['a query', '{ whoami }', /Only subscriptions/],
    ['a mutation', 'mutation { rotate }', /Only subscriptions/],
    ['an unparsable document', 'subscription {', /Syntax Error/],
    [
      'too many aliases',
      `subscription { events { ${Array.from({ length: 16 }, (_, i) => `a${i}: name`).join(' ')} } }`,
      /Aliases limit of 15 exceeded/,
    ],
    [
      'too deep',
      'subscription { events { next { next { next { next { next { next { next { next { name } } } } } } } } } }',
      /exceeds maximum operation depth/,
    ],
    ['introspection in production', 'subscription { events { name } __schema { types { name } } }', /introspection/i],
  ])('refuses %s before it runs', (_label, query, expected) => {
    expect(messages(query)).toMatch(expected);
  });

  it('gives the codes Apollo gives the same refusals over HTTP', () => {
    const [error] = checkSocketOperation(schema, true, { query: 'subscription { events { nope } }' }).errors ?? [];
    expect(error.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
