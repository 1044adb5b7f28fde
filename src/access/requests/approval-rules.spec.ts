import { describe, expect, it } from 'vitest';
import {
  accessWindow,
  approvalCovers,
  approverPool,
  countedApprovals,
  effectiveDurationSeconds,
} from './approval-rules.js';

describe('approvalCovers: the containment rule of approval authority', () => {
  it.each([
    // held namespace, held names, requested namespace, requested names, covered
    ['team-a', 'db-*', 'team-a', 'db-prod-*', true],
    ['team-a', 'db-*', 'team-a', 'db-main', true],
    ['team-a', 'db-*', 'team-a', '*', false],
    ['team-a', 'db-*', 'team-a', 'db-?', true],
    ['team-a', 'db-*', 'team-a', 'db?', false],
    ['team-a', 'a?', 'team-a', 'a*', false],
    ['team-a', 'a*', 'team-a', 'a?', true],
    ['team-a', 'a?', 'team-a', 'ab', true],
    ['team-a', '*', 'team-a', '*', true],
    ['*', '*', 'team-a', 'db-*', true],
    ['*', 'db-*', 'team-a', 'db-prod-*', true],
    ['team-a', '*', '*', '*', false],
    ['team-a', '*', '*', 'db-*', false],
    ['*', '*', '*', '*', true],
    ['team-a', '*', 'team-b', 'db-*', false],
    ['team-a', 'db-prod-*', 'team-a', 'db-*', false],
  ])('%s/%s over %s/%s → %s', (heldNs, heldNames, reqNs, reqNames, covered) => {
    expect(
      approvalCovers({ namespace: heldNs, namePattern: heldNames }, { namespace: reqNs, namePattern: reqNames }),
    ).toBe(covered);
  });
});

describe('countedApprovals', () => {
  const review = (
    reviewer: string,
    decision: 'approve' | 'deny' = 'approve',
    maxDurationSeconds: number | null = null,
  ) => ({
    reviewer,
    decision,
    maxDurationSeconds,
  });

  it('counts each reviewer once, never the requester, never a denial', () => {
    const reviews = [review('user:bob'), review('user:bob'), review('user:alice'), review('user:carol', 'deny')];
    expect(countedApprovals(reviews, 'user:alice', () => true).map((r) => r.reviewer)).toEqual(['user:bob']);
  });

  it('drops approvals whose author no longer holds approve', () => {
    const reviews = [review('user:bob'), review('user:carol')];
    const counted = countedApprovals(reviews, 'user:alice', (r) => r.reviewer !== 'user:bob');
    expect(counted.map((r) => r.reviewer)).toEqual(['user:carol']);
  });
});

describe('effectiveDurationSeconds', () => {
  it('is the smallest of asked, policy maximum and approver caps', () => {
    expect(effectiveDurationSeconds(3600, 7200, [])).toBe(3600);
    expect(effectiveDurationSeconds(3600, 1800, [null])).toBe(1800);
    expect(effectiveDurationSeconds(3600, 7200, [900, null, 1200])).toBe(900);
  });
});

describe('accessWindow', () => {
  const approvedAt = new Date('2026-01-01T10:00:00Z');

  it('starts at approval by default', () => {
    expect(accessWindow(approvedAt, null, 3600)).toEqual({
      notBefore: approvedAt,
      expiresAt: new Date('2026-01-01T11:00:00Z'),
    });
  });

  it('starts at the requested start when that is later, and at approval when it has passed', () => {
    const later = new Date('2026-01-01T12:00:00Z');
    expect(accessWindow(approvedAt, later, 600).notBefore).toEqual(later);
    expect(accessWindow(approvedAt, new Date('2026-01-01T09:00:00Z'), 600).notBefore).toEqual(approvedAt);
  });
});

describe('approverPool', () => {
  it('leaves the requester out and needs enough named approvers without a group', () => {
    expect(approverPool(['user:admin'], 'user:admin', 1)).toEqual({ approvers: [], sufficient: false });
    expect(approverPool(['user:admin', 'user:bob'], 'user:alice', 2).sufficient).toBe(true);
    expect(approverPool(['user:admin', 'user:alice'], 'user:alice', 2).sufficient).toBe(false);
    expect(approverPool(['group:sre', 'user:alice'], 'user:alice', 3).sufficient).toBe(true);
  });
});
