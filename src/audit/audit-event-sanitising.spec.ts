import { describe, expect, it } from 'vitest';
import { toUnsealedEvent, type AuditEventInput } from './audit-event.js';

function eventWith(subject: string, reason: string, userAgent: string): AuditEventInput {
  return {
    actor: { subject, request: { requestId: 'req-1', sourceIp: '203.0.113.7', userAgent } },
    action: 'authenticate',
    outcome: 'failed',
    reason,
  };
}

describe('toUnsealedEvent with caller-influenced text', () => {
  it('stores control characters and lone surrogates escaped, never raw', () => {
    const event = toUnsealedEvent(
      eventWith('user:ali\u0000ce', 'alg HS256\u0000\u001b[2J', 'curl\t8\u0085\udc00'),
      new Date(),
    );
    expect(event.subject).toBe('user:ali\\u0000ce');
    expect(event.reason).toBe('alg HS256\\u0000\\u001b[2J');
    expect(event.userAgent).toBe('curl\\u00098\\u0085\\udc00');
  });

  it('keeps printable text, surrogate pairs included, as it is', () => {
    const event = toUnsealedEvent(eventWith('user:zoë 🔑', 'fine', 'Mozilla/5.0'), new Date());
    expect(event.subject).toBe('user:zoë 🔑');
  });

  it('clips to the column after escaping, without splitting a surrogate pair', () => {
    const event = toUnsealedEvent(eventWith(`user:${'x'.repeat(314)}🔑`, '\u0000'.repeat(400), 'ua'), new Date());
    expect(event.subject).toBe(`user:${'x'.repeat(314)}`);
    expect(event.reason).toHaveLength(1024);
    expect(event.reason).toMatch(/^(\\u0000)+\\u00$/);
  });
});
