import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from './label-selector.js';
import { isNewer, SecretStore } from './secret-store.js';

function secret(name: string, resourceVersion: string, value = 'x', labels: Record<string, string> = {}): V1Secret {
  return {
    metadata: { namespace: 'team-a', name, resourceVersion, labels },
    data: { password: Buffer.from(value).toString('base64') },
  };
}

const valueOf = (store: SecretStore, name: string) => {
  const found = store.lookup('team-a', name);
  if (!found.known) return 'unknown';
  return found.secret ? Buffer.from(found.secret.data?.password ?? '', 'base64').toString() : 'absent';
};

describe('isNewer', () => {
  it.each([
    ['10', '9', true],
    ['9', '10', false],
    ['10', '10', false],
    ['123456789012345678901', '123456789012345678900', true],
    ['abc', 'abd', true],
    ['abc', 'abc', false],
  ])('%s newer than %s: %s', (a, b, expected) => expect(isNewer(a, b)).toBe(expected));
});

describe('SecretStore', () => {
  it('keeps the newest resourceVersion whichever way it arrives', () => {
    const store = new SecretStore();
    store.written(secret('db', '10', 'mine'));
    store.observe(secret('db', '9', 'late event'));
    expect(valueOf(store, 'db')).toBe('mine');
    store.observe(secret('db', '11', 'theirs'));
    expect(valueOf(store, 'db')).toBe('theirs');
    store.observeDeleted(secret('db', '10'));
    expect(valueOf(store, 'db')).toBe('theirs');
    expect(store.size).toBe(1);
  });

  it('remembers its own delete until the watch confirms it, and lets a re-create through', () => {
    const store = new SecretStore();
    store.observe(secret('db', '5'));
    store.deleted('team-a', 'db', '5');
    expect(valueOf(store, 'db')).toBe('absent');
    expect(store.size).toBe(0);
    store.observe(secret('db', '5', 'late event'));
    expect(valueOf(store, 'db')).toBe('absent');
    store.observeDeleted(secret('db', '6'));
    expect(valueOf(store, 'db')).toBe('unknown');
    store.deleted('team-a', 'db', '5');
    store.observe(secret('db', '7', 're-created'));
    expect(valueOf(store, 'db')).toBe('re-created');
  });

  it('sends reads to the API server after a failed write until one answers', () => {
    const store = new SecretStore();
    store.observe(secret('db', '5', 'old'));
    store.invalidate('team-a', 'db');
    expect(valueOf(store, 'db')).toBe('unknown');
    const ticket = store.ticket('team-a', 'db');
    store.answered('team-a', 'db', ticket, secret('db', '6', 'landed'));
    expect(valueOf(store, 'db')).toBe('landed');
  });

  it('keeps an invalidation made while a read was under way', () => {
    const store = new SecretStore();
    store.invalidate('team-a', 'db');
    const ticket = store.ticket('team-a', 'db');
    store.invalidate('team-a', 'db');
    store.answered('team-a', 'db', ticket, secret('db', '6'));
    expect(valueOf(store, 'db')).toBe('unknown');
  });

  it('records an absence the API server reports, unless the watch moved on during the read', () => {
    const store = new SecretStore();
    store.observe(secret('gone', '5'));
    store.answered('team-a', 'gone', store.ticket('team-a', 'gone'), undefined);
    expect(valueOf(store, 'gone')).toBe('absent');

    store.observe(secret('raced', '5'));
    const ticket = store.ticket('team-a', 'raced');
    store.observe(secret('raced', '8', 'created again'));
    store.answered('team-a', 'raced', ticket, undefined);
    expect(valueOf(store, 'raced')).toBe('created again');
  });

  it('becomes the list on a relist, keeping only what is newer than the list', () => {
    const store = new SecretStore();
    store.observe(secret('kept', '3'));
    store.observe(secret('vanished', '4'));
    store.deleted('team-a', 'deleted-by-us', '2');
    store.written(secret('written-after', '20'));
    store.relisted('team-a', [secret('kept', '3'), secret('new', '9')], '10');
    expect(['kept', 'vanished', 'deleted-by-us', 'written-after', 'new'].map((name) => valueOf(store, name))).toEqual([
      'x',
      'unknown',
      'unknown',
      'x',
      'x',
    ]);
    expect(store.size).toBe(3);
  });

  it('holds only what its label selector watches', () => {
    const store = new SecretStore(parseLabelSelector('cache=yes'));
    store.written(secret('watched', '1', 'x', { cache: 'yes' }));
    store.written(secret('outside', '2', 'x', { cache: 'no' }));
    expect(valueOf(store, 'watched')).toBe('x');
    expect(valueOf(store, 'outside')).toBe('unknown');
    store.written(secret('watched', '3', 'x', { cache: 'no' }));
    expect(valueOf(store, 'watched')).toBe('unknown');
    store.answered(
      'team-a',
      'outside',
      store.ticket('team-a', 'outside'),
      secret('outside', '2', 'x', { cache: 'no' }),
    );
    expect(valueOf(store, 'outside')).toBe('unknown');
    expect(store.size).toBe(0);
  });
});
