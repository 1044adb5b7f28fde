import { afterEach, describe, expect, it, vi } from 'vitest';
import { GrantsService } from '../../src/grants/grants.service.js';
import { ADMIN } from '../support/broker.js';
import { useBroker } from '../support/use-broker.js';

interface GraphqlErrorBody {
  readonly errors: { message: string; extensions: { code: string; requestId: string; status: number } }[];
}

describe('GraphQL errors carry their real codes and the request id', () => {
  const broker = useBroker();
  const post = (body: object, requestId = 'graphql-error-1') =>
    broker.as(ADMIN).post('/graphql').set('X-Request-Id', requestId).send(body);

  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['a syntax error', { query: '{ whoami { ' }, 'GRAPHQL_PARSE_FAILED', 'Syntax Error: Expected Name, found <EOF>.'],
    [
      'an unknown field',
      { query: '{ whoami { subjec } }' },
      'GRAPHQL_VALIDATION_FAILED',
      'Cannot query field "subjec" on type "Whoami". Did you mean "subject" or "subjects"?',
    ],
    [
      'a missing argument',
      { query: 'mutation { requestSecret(namespace: "default") { version } }' },
      'GRAPHQL_VALIDATION_FAILED',
      'Field "requestSecret" argument "name" of type "String!" is required, but it was not provided.',
    ],
    [
      'a variable of the wrong type',
      { query: 'query($ns: String!) { secret(namespace: $ns, name: "db") { name } }', variables: { ns: 5 } },
      'BAD_USER_INPUT',
      'Variable "$ns" got invalid value 5; String cannot represent a non string value: 5',
    ],
    [
      'a missing variable',
      { query: 'query($ns: String!) { secret(namespace: $ns, name: "db") { name } }', variables: {} },
      'BAD_USER_INPUT',
      'Variable "$ns" of required type "String!" was not provided.',
    ],
  ])('answers %s with 400, its code and the graphql-js message', async (_case, body, code, message) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect((response.body as GraphqlErrorBody).errors).toEqual([
      expect.objectContaining({
        message,
        extensions: expect.objectContaining({ code, status: 400, requestId: 'graphql-error-1' }),
      }),
    ]);
  });

  it('answers an over-cost query with 400 BAD_USER_INPUT', async () => {
    const response = await post({
      query: '{ secrets(namespace: "team-a", first: 500) { items { name consumers { name } versions { version } } } }',
    });
    expect(response.status).toBe(400);
    expect((response.body as GraphqlErrorBody).errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      status: 400,
    });
  });

  it('refuses a CSRF-style simple request with the request id', async () => {
    const response = await broker
      .http()
      .get('/graphql')
      .set('X-Request-Id', 'graphql-csrf-1')
      .query({ query: '{ whoami { subject } }' });
    expect(response.status).toBe(400);
    expect((response.body as GraphqlErrorBody).errors[0].extensions).toMatchObject({
      code: 'BAD_REQUEST',
      status: 400,
      requestId: 'graphql-csrf-1',
    });
  });

  it('logs an unexpected error with the request id and answers INTERNAL_SERVER_ERROR with a fixed message', async () => {
    // The one way to make a healthy broker fail unexpectedly: a fault inside the service.
    vi.spyOn(broker.app.get(GrantsService), 'whoami').mockRejectedValue(new TypeError('internal detail'));
    const response = await post({ query: '{ whoami { subject } }' }, 'graphql-unexpected-1');
    expect((response.body as GraphqlErrorBody).errors[0]).toMatchObject({
      message: 'An unexpected error occurred',
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'graphql-unexpected-1' },
    });
    const logged = broker.logLines
      .map((line) => JSON.parse(line) as { msg: string; requestId?: string; err?: { message: string } })
      .filter((entry) => entry.msg === 'GraphQL request failed');
    expect(logged).toEqual([
      expect.objectContaining({
        requestId: 'graphql-unexpected-1',
        err: expect.objectContaining({ message: 'internal detail' }),
      }),
    ]);
  });

  it("logs nothing for the caller's own mistakes", async () => {
    await post({ query: '{ whoami { subjec } }' }, 'graphql-caller-1');
    await post(
      { query: 'query($ns: String!) { secret(namespace: $ns, name: "db") { name } }', variables: { ns: 5 } },
      'graphql-caller-1',
    );
    await post({ query: '{ secret(namespace: "default", name: "absent") { name } }' }, 'graphql-caller-1');
    const logged = broker.logLines.filter((line) => line.includes('"graphql-caller-1"') && line.includes('"level":50'));
    expect(logged).toEqual([]);
  });
});
