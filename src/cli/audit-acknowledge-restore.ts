// `npm run audit:acknowledge-restore -- --reason TEXT [--by SUBJECT]`: after the database was
// restored from a backup, records who accepted the events the restore lost, and why. It writes one
// `restore_acknowledged` event per checkpoint the chain no longer extends (naming the lost range
// and that checkpoint); verify then lists the gap instead of failing, and checkpoints advance again.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { createApp } from '../app.factory.js';
import { AuditCheckpointWriter } from '../audit/audit-checkpoint.writer.js';
import { AuditRestores } from '../audit/audit-restores.js';
import { createLogger } from '../common/logging/logger.js';
import { ConfigError, loadConfig } from '../config/app-config.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reason: { type: 'string' }, by: { type: 'string' } } });
  const reason = values.reason?.trim() ?? '';
  if (reason === '') throw new ConfigError('--reason must say why the gap is acknowledged');
  // Attributed to whoever ran it: the operating-system account unless --by names the person.
  const subject = values.by?.trim() || `user:${userInfo().username}`;
  const config = loadConfig({ ...process.env, ROTATION_SCHEDULER: 'false', WATCH_SECRETS: 'false' });
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, logger);
  try {
    const acknowledged = await app
      .get(AuditRestores)
      .acknowledge(
        { subject, request: { requestId: 'audit-acknowledge-restore', sourceIp: undefined, userAgent: 'cli' } },
        reason,
      );
    await app.get(AuditCheckpointWriter).writeNow();
    for (const gap of acknowledged) {
      process.stdout.write(
        `${JSON.stringify({ acknowledged: { fromId: gap.fromId, toId: gap.toId, lostEvents: gap.lostEvents, checkpointId: gap.checkpoint.id, location: gap.location, eventId: gap.eventId, by: subject } })}\n`,
      );
    }
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(`audit:acknowledge-restore failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
