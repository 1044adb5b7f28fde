import { Module } from '@nestjs/common';
import { RetentionSweeper } from './retention.sweeper.js';

/** Removal of finished rows that would otherwise grow without end (retention-rules.ts). */
@Module({ providers: [RetentionSweeper], exports: [RetentionSweeper] })
export class RetentionModule {}
