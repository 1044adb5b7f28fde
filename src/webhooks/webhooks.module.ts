import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LifecycleEvents } from '../common/events/lifecycle-events.js';
import { LifecycleEventEntity } from './entities/lifecycle-event.entity.js';
import { LifecycleOutbox } from './lifecycle-outbox.js';

/** Lifecycle events: the outbox every change writes to, and (later) their delivery to subscribers. */
@Module({
  imports: [TypeOrmModule.forFeature([LifecycleEventEntity])],
  providers: [{ provide: LifecycleEvents, useClass: LifecycleOutbox }],
  exports: [LifecycleEvents],
})
export class WebhooksModule {}
