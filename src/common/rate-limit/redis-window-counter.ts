import type { Redis } from 'ioredis';
import type { Clock } from '../time/clock.js';
import { WindowCounter, type CounterWindow, type GatedHit } from './window-counter.js';

// Each script is one round trip and atomic (a script without numberOfKeys takes the number of its
// keys as its first argument). ioredis sends them by digest (EVALSHA), loading a
// script only when Redis does not know it yet.
const SCRIPTS = {
  // The window opens (gets its expiry) with its first hit; a key left without an expiry (never
  // expected) is given one rather than counting forever.
  windowHit: {
    numberOfKeys: 1,
    lua: `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`,
  },
  // windowHit for each key: {count, ttl} per key, flattened.
  windowHitAll: {
    lua: `
local windows = {}
for _, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  table.insert(windows, count)
  table.insert(windows, ttl)
end
return windows`,
  },
  windowPeek: {
    numberOfKeys: 1,
    lua: `
local count = redis.call('GET', KEYS[1])
if not count then return false end
return {tonumber(count), redis.call('PTTL', KEYS[1])}`,
  },
  // Only inside an open window, and never below zero.
  windowRelease: {
    numberOfKeys: 1,
    lua: `
local count = redis.call('GET', KEYS[1])
if count and tonumber(count) > 0 then redis.call('DECR', KEYS[1]) end
return 0`,
  },
  // KEYS[1] is the gate (peeked), KEYS[2] the key hit unless the gate's count reached ARGV[1];
  // ARGV[2] is the hit's window. Returns the gate's count and TTL (-1, -1 when it has no open
  // window), then, unless gated, the hit's.
  windowHitUnlessGated: {
    numberOfKeys: 2,
    lua: `
local gate = redis.call('GET', KEYS[1])
local gateTtl = redis.call('PTTL', KEYS[1])
local gateCount = -1
if gate and gateTtl >= 0 then gateCount = tonumber(gate) else gateTtl = -1 end
if gateCount >= tonumber(ARGV[1]) then return {gateCount, gateTtl} end
local count = redis.call('INCR', KEYS[2])
local ttl = redis.call('PTTL', KEYS[2])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {gateCount, gateTtl, count, ttl}`,
  },
} as const;

/** The client with the scripts above defined as commands. */
interface WindowCommands {
  windowHit(key: string, windowMs: number): Promise<[number, number]>;
  windowHitAll(numberOfKeys: number, ...keysThenWindowMs: Array<string | number>): Promise<number[]>;
  windowPeek(key: string): Promise<[number, number] | null>;
  windowRelease(key: string): Promise<number>;
  windowHitUnlessGated(gateKey: string, key: string, gateLimit: number, windowMs: number): Promise<number[]>;
}

function withWindowCommands(redis: Redis): WindowCommands {
  for (const [name, definition] of Object.entries(SCRIPTS)) redis.defineCommand(name, definition);
  return redis as unknown as WindowCommands;
}

/**
 * The same fixed windows as InMemoryWindowCounter, kept in Redis so every replica counts into
 * one window per key. Keys are `prefix + key`; they expire with their window.
 */
export class RedisWindowCounter extends WindowCounter {
  private readonly commands: WindowCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {
    super();
    this.commands = withWindowCommands(redis);
  }

  async hit(key: string, windowMs: number): Promise<CounterWindow> {
    const [count, ttl] = await this.commands.windowHit(this.prefix + key, windowMs);
    return { count, closesAt: this.clock.now() + ttl };
  }

  override async hitAll(keys: readonly string[], windowMs: number): Promise<CounterWindow[]> {
    if (keys.length === 0) return [];
    const flat = await this.commands.windowHitAll(keys.length, ...keys.map((key) => this.prefix + key), windowMs);
    const now = this.clock.now();
    return keys.map((_key, index) => ({ count: flat[2 * index], closesAt: now + flat[2 * index + 1] }));
  }

  async peek(key: string): Promise<CounterWindow | undefined> {
    const found = await this.commands.windowPeek(this.prefix + key);
    if (found === null || found[1] < 0) return undefined;
    return { count: found[0], closesAt: this.clock.now() + found[1] };
  }

  async release(key: string): Promise<void> {
    await this.commands.windowRelease(this.prefix + key);
  }

  /** One script when the gate is kept in the same Redis; both keys must be on one node (no Redis Cluster). */
  override async hitUnlessGated(
    key: string,
    windowMs: number,
    gate: WindowCounter,
    gateKey: string,
    gateLimit: number,
  ): Promise<GatedHit> {
    if (!(gate instanceof RedisWindowCounter)) return super.hitUnlessGated(key, windowMs, gate, gateKey, gateLimit);
    const [gateCount, gateTtl, count, ttl]: Array<number | undefined> = await this.commands.windowHitUnlessGated(
      gate.prefix + gateKey,
      this.prefix + key,
      gateLimit,
      windowMs,
    );
    const now = this.clock.now();
    return {
      gate:
        gateCount === undefined || gateCount < 0 ? undefined : { count: gateCount, closesAt: now + Number(gateTtl) },
      hit: count === undefined ? undefined : { count, closesAt: now + Number(ttl) },
    };
  }
}
