import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { SecretsModule } from '../secrets/secrets.module.js';
import { DriftDetector } from './drift-detector.service.js';
import { RotationScheduler } from './rotation-scheduler.service.js';

/** The rotation engine's background work: scheduled rotations, grace periods, drift. */
@Module({
  imports: [SecretsModule, AuditModule],
  providers: [RotationScheduler, DriftDetector],
})
export class RotationModule {}
