import type { EntityManager } from 'typeorm';
import { describe, expect, it, vi } from 'vitest';
import { ChangeVersion } from './change-version.js';

describe('ChangeVersion.noticeOf', () => {
  it.each([
    ['{"version":7,"origin":"a"}', { version: 7, origin: 'a' }],
    [
      '{"version":7,"origin":"a","touched":{"grants":["g1"]}}',
      { version: 7, origin: 'a', touched: { grants: ['g1'] } },
    ],
    ['{"version":7,"origin":"a","touched":{"grants":[1]}}', { version: 7, origin: 'a' }],
    ['null', undefined],
    ['{"version":"7","origin":"a"}', undefined],
    ['{"version":7}', undefined],
    ['7', undefined],
    ['', undefined],
  ])('%j', (payload, notice) => {
    expect(ChangeVersion.noticeOf(payload)).toEqual(notice);
  });

  it('refuses names that could not be spliced into SQL safely', () => {
    expect(() => new ChangeVersion("x'; DROP TABLE grants; --", 'channel')).toThrow();
    expect(() => new ChangeVersion('name', 'Channel-1')).toThrow();
  });
});

describe('ChangeVersion.announce', () => {
  const version = new ChangeVersion('things', 'things_changed');
  const managerOn = (type: string) => {
    const query = vi.fn().mockResolvedValue([]);
    return { query, manager: { connection: { options: { type } }, query } as unknown as EntityManager };
  };

  it('NOTIFYs the notice on PostgreSQL, without its keys when they would not fit', async () => {
    const { query, manager } = managerOn('postgres');
    await version.announce(manager, { version: 3, origin: 'a', touched: { things: ['x'] } });
    await version.announce(manager, { version: 4, origin: 'a', touched: { things: Array(2_000).fill('key-0000') } });
    expect(query.mock.calls).toEqual([
      ["SELECT pg_notify('things_changed', $1)", ['{"version":3,"origin":"a","touched":{"things":["x"]}}']],
      ["SELECT pg_notify('things_changed', $1)", ['{"version":4,"origin":"a"}']],
    ]);
  });

  it('says nothing on SQLite', async () => {
    const { query, manager } = managerOn('better-sqlite3');
    await version.announce(manager, { version: 3, origin: 'a' });
    expect(query).not.toHaveBeenCalled();
  });
});
