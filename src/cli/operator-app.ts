import { userInfo } from 'node:os';
import type { INestApplicationContext } from '@nestjs/common';
import { createApp } from '../app.factory.js';
import type { RequestMeta } from '../common/actor.js';
import { createLogger } from '../common/logging/logger.js';
import { loadConfig } from '../config/app-config.js';

/**
 * Runs an operator command's work inside the broker's own application (its configuration, keys
 * and database), without scheduled rotations or the watch, then closes it. Any failure becomes one
 * line on stderr, `<command> failed: …`, and exit code 1.
 */
export function runOperatorCommand(command: string, work: (app: INestApplicationContext) => Promise<void>): void {
  const run = async () => {
    const config = loadConfig({ ...process.env, ROTATION_SCHEDULER: 'false', WATCH_SECRETS: 'false' });
    const app = await createApp(config, createLogger(config.logLevel));
    try {
      await work(app);
    } finally {
      await app.close();
    }
  };
  run().catch((error: unknown) => {
    console.error(`${command} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

/** Who an operator command is attributed to: the operating-system account unless `--by` names the person. */
export function operatorActor(by: string | undefined, requestId: string): { subject: string; request: RequestMeta } {
  const subject = by?.trim() || `user:${userInfo().username}`;
  return { subject, request: { requestId, sourceIp: undefined, userAgent: 'cli' } };
}
