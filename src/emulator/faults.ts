/**
 * A fault for the next `times` requests matching `method` and `path` (a string matches the path
 * exactly), after letting the first `after` of them through untouched.
 */
export interface FaultRule {
  method?: string;
  path: string | RegExp;
  times?: number;
  after?: number;
  status?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
  drop?: boolean;
  /** Answer 200 with the headers of a watch, then nothing: the connection stays open until the client closes it. */
  stall?: boolean;
}

export class Faults {
  private rules: Array<{ rule: FaultRule; passes: number; remaining: number }> = [];

  inject(rule: FaultRule): void {
    this.rules.push({ rule, passes: rule.after ?? 0, remaining: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first live rule matching the request, counted as used. */
  take(method: string, path: string): FaultRule | undefined {
    const entry = this.rules.find(
      ({ rule, remaining }) =>
        remaining > 0 &&
        (!rule.method || rule.method.toUpperCase() === method) &&
        (typeof rule.path === 'string' ? rule.path === path : rule.path.test(path)),
    );
    if (!entry) return undefined;
    if (entry.passes > 0) {
      entry.passes -= 1;
      return undefined;
    }
    entry.remaining -= 1;
    this.rules = this.rules.filter((e) => e.remaining > 0);
    return entry.rule;
  }
}
