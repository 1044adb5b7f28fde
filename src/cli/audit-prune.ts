// `npm run audit:prune -- --archive FILE [--by SUBJECT]`: removes from the database exactly the
// events an archive written by `audit:archive` holds, once the file verifies against the chain
// (links and hashes under the key, the same events as stored, a signed checkpoint covering it).
// The prune is itself an audit event naming the range, its hashes and the file's SHA-256.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditArchives } from '../audit/audit-archives.js';
import { ConfigError } from '../config/app-config.js';
import { operatorActor, runOperatorCommand } from './operator-app.js';

runOperatorCommand('audit:prune', async (app) => {
  const { values } = parseArgs({ options: { archive: { type: 'string' }, by: { type: 'string' } } });
  if (!values.archive) throw new ConfigError('--archive FILE is required');
  const range = await app.get(AuditArchives).prune(operatorActor(values.by, 'audit-prune'), resolve(values.archive));
  const { fromId, toId, count, eventId, archiveSha256 } = range;
  process.stdout.write(`${JSON.stringify({ pruned: { fromId, toId, count, eventId, archiveSha256 } })}\n`);
});
