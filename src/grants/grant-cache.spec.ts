import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { readSnapshot, type Row } from '../common/database/snapshot.js';
import type { GrantEntity } from './entities/grant.entity.js';
import type { RoleEntity } from './entities/role.entity.js';
import { GrantCache } from './grant-cache.js';

// Rows stand in for entities: the snapshot read is the database's part, tested end to end.
vi.mock('../common/database/snapshot.js', () => ({
  readSnapshot: vi.fn(),
  hydrate: (_dataSource: unknown, _entity: unknown, rows: unknown[]) => rows,
}));

const role = (name: string, verbs: string[]) => ({ name, verbs, builtIn: false }) as unknown as RoleEntity;
const grant = (id: string, subject: string, roleName = 'reader') =>
  ({ id, subject, roleName, namespace: 'team-a', namePattern: '*', expiresAt: null }) as unknown as GrantEntity;
const READER = role('reader', ['read', 'list']);

interface Snapshot {
  version: number;
  roles?: RoleEntity[];
  grants?: GrantEntity[];
}

/** Snapshot reads that the test answers, one at a time. */
function snapshots() {
  const pending: Array<(snapshot: Snapshot) => void> = [];
  vi.mocked(readSnapshot).mockImplementation(
    () =>
      new Promise<Row[][]>((resolve) =>
        pending.push(({ version, roles = [READER], grants = [] }) =>
          resolve([[{ version }], roles as unknown as Row[], grants as unknown as Row[]]),
        ),
      ),
  );
  return {
    get waiting() {
      return pending.length;
    },
    answer(snapshot: Snapshot) {
      const next = pending.shift();
      if (!next) throw new Error('no snapshot read is waiting');
      next(snapshot);
    },
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('GrantCache', () => {
  let database: { version: number };
  let cache: GrantCache;
  let reads: ReturnType<typeof snapshots>;
  const idsOf = (...subjects: string[]) => cache.grantsOf(subjects).map((held) => held.id);

  beforeEach(async () => {
    database = { version: 5 };
    reads = snapshots();
    const dataSource = { query: () => Promise.resolve([{ version: database.version }]) } as unknown as DataSource;
    cache = new GrantCache(dataSource, pino({ level: 'silent' }));
    const loaded = cache.onModuleInit();
    reads.answer({
      version: 5,
      grants: [grant('g1', 'user:alice'), grant('g2', 'group:team'), grant('g3', 'user:bob')],
    });
    await loaded;
  });

  it("finds a caller's grants by subject, each once, with its role's verbs", () => {
    expect(idsOf('user:alice', 'group:team', 'group:team').sort()).toEqual(['g1', 'g2']);
    expect(cache.grantsOf(['user:bob'])[0].verbs).toEqual(['read', 'list']);
    expect(idsOf('user:nobody')).toEqual([]);
  });

  it('gives a grant of an unknown role no verbs', () => {
    cache.apply([{ kind: 'grant-saved', grant: grant('g4', 'user:carol', 'gone') }], 6);
    expect(cache.grantsOf(['user:carol'])[0].verbs).toEqual([]);
  });

  it('applies the next version in place, without reloading', () => {
    const reload = vi.spyOn(cache, 'reload');
    cache.apply([{ kind: 'grant-deleted', id: 'g1' }], 6);
    cache.apply([{ kind: 'role-saved', role: role('lister', ['list']) }], 7);
    cache.apply([{ kind: 'grant-saved', grant: grant('g5', 'user:alice', 'lister') }], 8);
    expect(cache.grantsOf(['user:alice']).map((held) => [held.id, held.verbs])).toEqual([['g5', ['list']]]);
    expect(cache.loadedVersion).toBe(8);
    expect(reload).not.toHaveBeenCalled();
  });

  it('skips a change the loaded copy already holds, so a later deletion is not undone', () => {
    cache.apply([{ kind: 'grant-saved', grant: grant('g9', 'user:alice') }], 5);
    expect(idsOf('user:alice')).toEqual(['g1']);
  });

  it('applies a change after a gap, and reloads for the changes in between', async () => {
    cache.apply([{ kind: 'grant-deleted', id: 'g1' }], 8);
    expect(idsOf('user:alice')).toEqual([]);
    expect(cache.loadedVersion).toBe(5);
    await flush();
    reads.answer({ version: 8, grants: [grant('g3', 'user:bob'), grant('g7', 'user:dave')] });
    await flush();
    expect(cache.loadedVersion).toBe(8);
    expect(idsOf('user:dave')).toEqual(['g7']);
  });

  it('keeps the changes applied while a reload was under way that the reload did not see', async () => {
    const reloaded = cache.reload();
    // Committed after the snapshot was taken: the revocation must survive the reload.
    cache.apply([{ kind: 'grant-deleted', id: 'g3' }], 6);
    // Committed before: the snapshot holds it (and the deletion that followed it).
    cache.apply([{ kind: 'grant-saved', grant: grant('g8', 'user:erin') }], 5);
    reads.answer({ version: 5, grants: [grant('g1', 'user:alice'), grant('g3', 'user:bob')] });
    await reloaded;
    expect(idsOf('user:bob')).toEqual([]);
    expect(idsOf('user:erin')).toEqual([]);
    expect(cache.loadedVersion).toBe(6);
  });

  it('reloads once more for any number of requests made during a reload', async () => {
    const first = cache.reload();
    const second = cache.reload();
    void cache.reload();
    reads.answer({ version: 5 });
    await flush();
    expect(reads.waiting).toBe(1);
    reads.answer({ version: 6 });
    await Promise.all([first, second]);
    expect(reads.waiting).toBe(0);
    expect(cache.loadedVersion).toBe(6);
  });

  it('reloads for an announced version it does not hold, but not for its own or an older one', async () => {
    const reload = vi.spyOn(cache, 'reload').mockResolvedValue();
    cache.notified({ version: 9, origin: cache.origin });
    cache.notified({ version: 4, origin: 'another-replica' });
    cache.notified({ version: 5, origin: 'another-replica' });
    await flush();
    expect(reload).not.toHaveBeenCalled();
    cache.notified({ version: 6, origin: 'another-replica' });
    await flush();
    cache.notified(undefined);
    await flush();
    expect(reload).toHaveBeenCalledTimes(2);
  });

  it('catches up on the next version by reading again only the keys its notice names', async () => {
    const reload = vi.spyOn(cache, 'reload');
    cache.notified({ version: 6, origin: 'another-replica', touched: { grants: ['g3', 'g10'], roles: ['lister'] } });
    await flush();
    expect(readSnapshot).toHaveBeenLastCalledWith(expect.anything(), [
      expect.any(String),
      { sql: expect.stringContaining('FROM roles') as string, parameters: { names: ['', 'lister'] } },
      { sql: expect.stringContaining('FROM grants') as string, parameters: { ids: ['', 'g3', 'g10'] } },
    ]);
    // g3 was revoked (not found), g10 made with a new role.
    reads.answer({ version: 6, roles: [role('lister', ['list'])], grants: [grant('g10', 'user:bob', 'lister')] });
    await flush();
    expect(cache.grantsOf(['user:bob']).map((held) => [held.id, held.verbs])).toEqual([['g10', ['list']]]);
    expect(cache.loadedVersion).toBe(6);
    expect(reload).not.toHaveBeenCalled();
  });

  it('follows notices in order, reloading for a gap', async () => {
    const reload = vi.spyOn(cache, 'reload');
    cache.notified({ version: 6, origin: 'another-replica', touched: { grants: ['g1'] } });
    cache.notified({ version: 8, origin: 'another-replica', touched: { grants: ['g2'] } });
    await flush();
    reads.answer({ version: 6, roles: [], grants: [] });
    await flush();
    expect(idsOf('user:alice')).toEqual([]);
    expect(reload).toHaveBeenCalledTimes(1);
    reads.answer({ version: 8, grants: [grant('g3', 'user:bob')] });
    await flush();
    expect(cache.loadedVersion).toBe(8);
    expect(idsOf('group:team')).toEqual([]);
  });

  it('reloads rather than apply what it read if its own change was applied meanwhile', async () => {
    const reload = vi.spyOn(cache, 'reload');
    cache.notified({ version: 6, origin: 'another-replica', touched: { grants: ['g3'] } });
    await flush();
    // Its own revocation commits as 7 while the row read for 6 (still holding g3) is under way.
    cache.apply([{ kind: 'grant-deleted', id: 'g3' }], 7);
    reads.answer({ version: 7, grants: [grant('g3', 'user:bob')] });
    await flush();
    expect(idsOf('user:bob')).toEqual([]);
    expect(reload).toHaveBeenCalled();
  });

  it("reloads when the database's version differs either way, unless its own change is being applied", async () => {
    const reload = vi.spyOn(cache, 'reload').mockResolvedValue();
    await cache.check();
    expect(reload).not.toHaveBeenCalled();
    cache.beginWrite();
    database.version = 6;
    await cache.check();
    expect(reload).not.toHaveBeenCalled();
    cache.endWrite();
    await cache.check();
    database.version = 3;
    await cache.check();
    expect(reload).toHaveBeenCalledTimes(2);
  });

  it('does not count a change as held while its transaction may still roll back', async () => {
    cache.apply([{ kind: 'grant-saved', grant: grant('g6', 'user:frank') }], undefined);
    expect(idsOf('user:frank')).toEqual(['g6']);
    expect(cache.loadedVersion).toBe(5);
    await flush();
    // The enclosing transaction rolled back: the reload drops the change.
    reads.answer({ version: 5, grants: [grant('g1', 'user:alice')] });
    await flush();
    expect(idsOf('user:frank')).toEqual([]);
  });
});
