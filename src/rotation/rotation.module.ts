import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { SecretRecordEntity } from '../secrets/entities/secret-record.entity.js';
import { SecretsModule } from '../secrets/secrets.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { DriftDetector } from './drift-detector.service.js';
import { DriftResponses } from './drift-responses.js';
import { GracePeriods } from './grace-periods.js';
import { RotationScheduler } from './rotation-scheduler.service.js';
import { RotationStore } from './rotation.store.js';
import { SystemIntents } from './system-intent.js';

/**
 * The rotation engine: scheduled rotations, the ends of two-phase grace periods (and their
 * catch-up at start), drift detection and the responses to it. It drives secrets only through
 * the SecretSystemWrites port and keeps its own state through RotationStore.
 */
@Module({
  imports: [TypeOrmModule.forFeature([SecretRecordEntity]), SecretsModule, AuditModule, WebhooksModule],
  providers: [RotationStore, SystemIntents, GracePeriods, DriftResponses, RotationScheduler, DriftDetector],
})
export class RotationModule {}
