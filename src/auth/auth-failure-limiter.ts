import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { Clock } from '../common/time/clock.js';
import type { CounterWindow, WindowCounter } from '../common/rate-limit/window-counter.js';
import type { AppConfig } from '../config/app-config.js';

export const AUTH_FAILURE_WINDOW_MS = 60_000;

/**
 * Failed authentications per source address (AUTH_FAILURE_LIMIT_PER_MINUTE). Once an address
 * reached the limit within a window, its requests are refused with 429 until the window closes,
 * before any token verification, TokenReview or audit write: guessing tokens stays cheap for the
 * broker and the audit trail cannot be flooded from one address. With REDIS_URL the count is
 * the whole deployment's.
 *
 * An attempt that needs work beyond the local signature check (a TokenReview, an audit write)
 * is counted before that work (`reserve`) and taken back once it authenticates (`release`), so
 * concurrent attempts from one address never start more of that work than the limit allows.
 * A request whose token passed the local check is refused in the same step that counts it
 * for the per-subject rate limit (`admit`): one Redis round trip for an authenticated request.
 */
export class AuthFailureLimiter {
  private readonly limit: number;
  private readonly logger: Logger;

  constructor(
    config: Pick<AppConfig, 'authFailureLimitPerMinute'>,
    private readonly counter: WindowCounter,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.limit = config.authFailureLimitPerMinute;
    this.logger = logger.child({ component: 'auth' });
  }

  /**
   * For an authenticated request: throws RATE_LIMITED while the address is blocked, otherwise
   * adds a hit to `key` of `counter` (the per-subject rate limit) and returns its window.
   */
  async admit(
    address: string | undefined,
    counter: WindowCounter,
    key: string,
    windowMs: number,
  ): Promise<CounterWindow> {
    const { gate, hit } = await counter.hitUnlessGated(key, windowMs, this.counter, addressKey(address), this.limit);
    if (hit === undefined) throw this.rateLimited(gate as CounterWindow);
    return hit;
  }

  /** Throws RATE_LIMITED, with the seconds until the window closes, while the address is blocked. */
  async refuseIfBlocked(address: string | undefined): Promise<void> {
    const window = await this.counter.peek(addressKey(address));
    if (window !== undefined && window.count >= this.limit) throw this.rateLimited(window);
  }

  /**
   * Counts an attempt as failed before the work it costs; throws RATE_LIMITED (taking the count
   * back) when the address has no attempt left in this window.
   */
  async reserve(address: string | undefined): Promise<void> {
    const key = addressKey(address);
    const window = await this.counter.hit(key, AUTH_FAILURE_WINDOW_MS);
    if (window.count > this.limit) {
      await this.counter.release(key);
      throw this.rateLimited(window);
    }
    if (window.count === this.limit) {
      this.logger.warn(
        { sourceIp: address, failures: window.count },
        'source address blocked after repeated failed authentications',
      );
    }
  }

  /** The reserved attempt authenticated: it is not a failure. */
  async release(address: string | undefined): Promise<void> {
    await this.counter.release(addressKey(address));
  }

  private rateLimited(window: CounterWindow): DomainError {
    const retryAfterSeconds = Math.max(1, Math.ceil((window.closesAt - this.clock.now()) / 1000));
    // The details carry the wait to GraphQL clients too, which get no Retry-After header.
    return new DomainError(
      ErrorCode.RateLimited,
      `Too many failed authentications from this address; retry in ${retryAfterSeconds} s`,
      {
        retryAfterSeconds,
        details: { retryAfterSeconds },
      },
    );
  }
}

/**
 * The counting key of an address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64, since
 * one host is routinely given a whole /64 and could otherwise rotate through 2^64 budgets.
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1];
  const withoutZone = address.split('%')[0];
  if (!isIPv6(withoutZone)) return address;
  return `${firstFourGroups(withoutZone)}::/64`;
}

function firstFourGroups(address: string): string {
  const [head, tail] = address.split('::');
  const groups = head === '' ? [] : head.split(':');
  if (tail !== undefined) {
    // An embedded IPv4 address fills two groups; it never reaches the first four.
    const tailGroups =
      tail === '' ? [] : tail.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group]));
    groups.push(...Array<string>(8 - groups.length - tailGroups.length).fill('0'), ...tailGroups);
  }
  return groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':');
}
