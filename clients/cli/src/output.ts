import { stringify } from 'yaml';
import { usageError } from './errors.js';
import { colourAllowed, type CliIo } from './io.js';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** How a kind of object is shown: its table columns and its `-o name` form. */
export interface View<Item> {
  readonly kind: string;
  readonly columns: ReadonlyArray<readonly [header: string, cell: (item: Item) => unknown]>;
  readonly name: (item: Item) => string;
}

/**
 * Prints data on stdout. Without `-o`: an aligned table on a terminal, and tab-separated rows
 * without a header otherwise (for cut, awk and while-read loops).
 */
export class Printer {
  constructor(
    private readonly io: CliIo,
    private readonly format: OutputFormat | undefined,
  ) {}

  static parseFormat(value: string | undefined): OutputFormat | undefined {
    if (value === undefined) return undefined;
    const format = OUTPUT_FORMATS.find((known) => known === value);
    if (!format) throw usageError(`unknown output format ${value}: use ${OUTPUT_FORMATS.join(', ')}`);
    return format;
  }

  get json(): boolean {
    return this.format === 'json';
  }

  list<Item>(items: readonly Item[], view: View<Item>): void {
    this.show(items, items, view);
  }

  item<Item>(item: Item, view: View<Item>): void {
    this.show(item, [item], view);
  }

  /** Raw text on stdout (an export, a token, an NDJSON stream). */
  text(text: string): void {
    this.io.stdout.write(text);
  }

  private show<Item>(data: unknown, rows: readonly Item[], view: View<Item>): void {
    switch (this.format) {
      case 'json':
        return void this.io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      case 'yaml':
        return void this.io.stdout.write(stringify(data));
      case 'name':
        return void this.io.stdout.write(rows.map((row) => `${view.kind}/${view.name(row)}\n`).join(''));
      case 'table':
        return void this.io.stdout.write(table(view, rows, colourAllowed(this.io)));
      case undefined:
        return void this.io.stdout.write(
          this.io.stdout.isTTY ? table(view, rows, colourAllowed(this.io)) : plain(view, rows),
        );
    }
  }
}

export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length ? value.map(cell).join(',') : '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function table<Item>(view: View<Item>, rows: readonly Item[], colour: boolean): string {
  const cells = rows.map((row) => view.columns.map(([, get]) => cell(get(row)).replace(/\s+/g, ' ')));
  const headers = view.columns.map(([header]) => header);
  const widths = headers.map((header, index) => Math.max(header.length, ...cells.map((line) => line[index].length)));
  const format = (line: readonly string[]) =>
    line
      .map((text, index) => (index === line.length - 1 ? text : text.padEnd(widths[index])))
      .join('   ')
      .trimEnd();
  const heading = format(headers);
  return [colour ? `\x1b[1m${heading}\x1b[0m` : heading, ...cells.map(format)].map((line) => `${line}\n`).join('');
}

function plain<Item>(view: View<Item>, rows: readonly Item[]): string {
  return rows
    .map((row) => `${view.columns.map(([, get]) => cell(get(row)).replace(/[\t\n]/g, ' ')).join('\t')}\n`)
    .join('');
}
