import { describe, expect, it } from 'vitest';
import { retryDelaySeconds, subscriptionMatches, webhookPayloadOf, webhookUrlProblem } from './webhook-rules.js';

const event = {
  id: '3f1c7d8e-0000-4000-8000-000000000001',
  type: 'secret.rotated' as const,
  namespace: 'team-a',
  name: 'db-main',
  version: 3,
  subject: 'user:alice',
  occurredAt: new Date('2026-01-01T00:00:00Z'),
};

describe('subscriptionMatches', () => {
  const now = new Date('2026-01-01T00:00:01Z');
  const base = { namespace: 'team-a', namePattern: 'db-*', eventTypes: ['secret.rotated' as const], expiresAt: null };

  it.each([
    ['its type and scope', base, true],
    ['any namespace', { ...base, namespace: '*' }, true],
    ['another type', { ...base, eventTypes: ['secret.revoked' as const] }, false],
    ['another namespace', { ...base, namespace: 'team-b' }, false],
    ['another name', { ...base, namePattern: 'api-*' }, false],
    ['an expired subscription', { ...base, expiresAt: now }, false],
    ['an unexpired one', { ...base, expiresAt: new Date('2026-02-01T00:00:00Z') }, true],
  ])('%s: %s', (_label, subscription, expected) => {
    expect(subscriptionMatches(subscription, event, now)).toBe(expected);
  });
});

describe('webhookPayloadOf', () => {
  it('carries the facts of the event and nothing else', () => {
    const extra = { ...event, details: { value: 'hunter2' } };
    const payload = JSON.parse(webhookPayloadOf(extra)) as Record<string, unknown>;
    expect(payload).toEqual({
      type: 'secret.rotated',
      timestamp: '2026-01-01T00:00:00.000Z',
      data: {
        eventId: event.id,
        type: 'secret.rotated',
        namespace: 'team-a',
        name: 'db-main',
        version: 3,
        subject: 'user:alice',
        occurredAt: '2026-01-01T00:00:00.000Z',
      },
    });
  });
});

describe('webhookPayloadOf for an access request event', () => {
  it('names the access request it is about', () => {
    const approved = {
      ...event,
      type: 'access_request.approved' as const,
      name: 'db-*',
      version: null,
      accessRequestId: '3f1c7d8e-0000-4000-8000-000000000002',
    };
    const payload = JSON.parse(webhookPayloadOf(approved)) as { data: Record<string, unknown> };
    expect(payload.data).toMatchObject({
      type: 'access_request.approved',
      namespace: 'team-a',
      name: 'db-*',
      accessRequestId: '3f1c7d8e-0000-4000-8000-000000000002',
    });
  });
});

describe('retryDelaySeconds', () => {
  it('doubles from the base and is capped', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelaySeconds(attempts, 10))).toEqual([10, 20, 40, 80]);
    expect(retryDelaySeconds(40, 10)).toBe(6 * 3600);
  });
});

describe('webhookUrlProblem', () => {
  it.each([
    ['https://hooks.example.com/broker', false, undefined],
    ['http://127.0.0.1:8080/hook', false, undefined],
    ['http://localhost/hook', false, undefined],
    ['http://[::1]:9000/hook', false, undefined],
    ['http://127.0.0.1:8080/hook', true, 'url must be https:// in production'],
    ['http://hooks.example.com/', false, 'url must be https:// (http:// only to a loopback address)'],
    ['http://127.example.com/', false, 'url must be https:// (http:// only to a loopback address)'],
    ['ftp://hooks.example.com/', false, 'url must be https://'],
    ['https://user:pw@hooks.example.com/', false, 'url must not carry credentials'],
    ['not a url', false, 'url must be an absolute URL'],
  ])('%s (production %s): %s', (url, production, expected) => {
    expect(webhookUrlProblem(url, production)).toBe(expected);
  });
});
