// `npm run audit:verify [-- --archive FILE ...]`: verifies the audit chain as the broker's verify
// route does, and with the archive files given, the archived events too, as one chain with the
// database. Prints the report as JSON; exits 0 when it is ok and 1 when anything was found.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditQueryService } from '../audit-query/audit-query.service.js';
import { runOperatorCommand } from './operator-app.js';

runOperatorCommand('audit:verify', async (app) => {
  const { values } = parseArgs({ options: { archive: { type: 'string', multiple: true, default: [] } } });
  const report = await app.get(AuditQueryService).verifyChain(values.archive.map((path) => resolve(path)));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (!report.ok) process.exitCode = 1;
});
