import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';

/**
 * A tiny benchmark harness: timing, percentiles, peak RSS and markdown output.
 * Every loop in a suite must be bounded (a count, never "until fast enough"), and every request goes to 127.0.0.1.
 */

export interface Table {
  title?: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

export interface SuiteReport {
  tables: Table[];
  /** Free-text lines printed under the tables (method, caveats). */
  notes?: string[];
}

export interface Suite {
  /** The `--only` name and the BENCHMARKS.md section key, e.g. `emulator`. */
  name: string;
  title: string;
  /** One paragraph saying what is measured and how; printed above the tables. */
  description: string;
  /** Runs only when named with --only (long runs such as the soak). */
  optIn?: boolean;
  run(): Promise<SuiteReport>;
}

export interface Stats {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/** Milliseconds taken by one call. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Runs `fn` `count` times in sequence after `warmup` untimed calls; returns each duration in ms. */
export async function sample(count: number, fn: (i: number) => Promise<unknown>, warmup = 0): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await time(() => fn(i)));
  return out;
}

/**
 * Runs several operations alternately (A, B, A, B, …) `count` times each, so that machine noise hits
 * them alike and their ratio is meaningful. Returns one sample array per operation.
 */
export async function interleave(
  count: number,
  fns: ReadonlyArray<(i: number) => Promise<unknown>>,
  warmup = 0,
): Promise<number[][]> {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn(i);
  const out = fns.map(() => [] as number[]);
  for (let i = 0; i < count; i++) {
    for (const [j, fn] of fns.entries()) out[j].push(await time(() => fn(i)));
  }
  return out;
}

/** Runs `count` tasks with at most `concurrency` in flight; returns each task's duration in ms. */
export async function pool(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out = new Array<number>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await time(() => fn(i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

/** The process's peak resident set size so far, in MiB (a high-water mark: it includes earlier suites in the same run). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function currentRssMiB(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

/** Formats milliseconds with about three significant digits. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

export function mib(value: number): string {
  return `${value.toFixed(0)} MiB`;
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}

/** A row `[label, n, min, p50, p95, p99, max]` for a table with STATS_COLUMNS. */
export const STATS_COLUMNS = ['measurement', 'n', 'min', 'p50', 'p95', 'p99', 'max'];
export function statsRow(label: string, stats: Stats): Array<string | number> {
  return [label, stats.n, ms(stats.min), ms(stats.p50), ms(stats.p95), ms(stats.p99), ms(stats.max)];
}

export function markdownTable(table: Table): string {
  const escape = (cell: string | number): string => String(cell).replace(/\|/g, '\\|');
  const lines = [
    `| ${table.columns.map(escape).join(' | ')} |`,
    `| ${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
  ];
  for (const row of table.rows) lines.push(`| ${row.map(escape).join(' | ')} |`);
  return `${table.title ? `**${table.title}**\n\n` : ''}${lines.join('\n')}`;
}

export interface RunInfo {
  command: string;
  date: string;
  machine: string;
}

export function runInfo(command: string): RunInfo {
  const [one, five] = loadavg();
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return {
    command,
    date: new Date().toISOString(),
    machine: `nproc ${availableParallelism()}, ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version} (${process.platform}/${process.arch}), load average ${one.toFixed(2)}/${five.toFixed(2)} at start`,
  };
}

export const sectionStart = (name: string): string => `<!-- bench:${name}:start -->`;
export const sectionEnd = (name: string): string => `<!-- bench:${name}:end -->`;

export function renderSection(suite: Suite, report: SuiteReport, info: RunInfo, durationMs: number): string {
  const parts = [
    `## ${suite.title}`,
    suite.description,
    [
      `- Command: \`${info.command}\``,
      `- Date: ${info.date} (suite took ${(durationMs / 1000).toFixed(1)} s)`,
      `- Machine: ${info.machine}`,
    ].join('\n'),
    ...report.tables.map(markdownTable),
  ];
  if (report.notes?.length) parts.push(report.notes.map((n) => `- ${n}`).join('\n'));
  return `${sectionStart(suite.name)}\n${parts.join('\n\n')}\n${sectionEnd(suite.name)}`;
}

/** Replaces the suite's own section (between its markers) in `document`, or appends it; other sections are left alone. */
export function upsertSection(document: string, name: string, section: string): string {
  const start = document.indexOf(sectionStart(name));
  const end = document.indexOf(sectionEnd(name));
  if (start >= 0 && end > start)
    return document.slice(0, start) + section + document.slice(end + sectionEnd(name).length);
  return `${document.replace(/\s*$/, '')}\n\n${section}\n`;
}
