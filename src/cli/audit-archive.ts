// `npm run audit:archive -- --before DATE --out FILE`: writes every audit event older than DATE,
// from the oldest one still in the database, to an NDJSON file: a header with the segment's head
// and tail hashes, ids, count and the signed checkpoint that covers it, one line per event exactly
// as stored, and a last line repeating the tail. Nothing is removed: `audit:prune` does that.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditArchives } from '../audit/audit-archives.js';
import { ConfigError } from '../config/app-config.js';
import { runOperatorCommand } from './operator-app.js';

const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

runOperatorCommand('audit:archive', async (app) => {
  const { values } = parseArgs({ options: { before: { type: 'string' }, out: { type: 'string' } } });
  const before = values.before ?? '';
  if (!DATE.test(before) || Number.isNaN(Date.parse(before))) {
    throw new ConfigError('--before must be a date (2026-01-31) or a time with its zone (2026-01-31T00:00:00Z)');
  }
  if (!values.out) throw new ConfigError('--out FILE is required');
  const out = resolve(values.out);
  if (existsSync(out)) throw new ConfigError(`${out} exists; an archive never overwrites a file`);
  const summary = await app.get(AuditArchives).write(new Date(before), out);
  process.stdout.write(`${JSON.stringify({ archived: summary })}\n`);
});
