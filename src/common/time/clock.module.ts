import { Global, Module } from '@nestjs/common';
import { Clock } from './clock.js';

/** One clock for the whole application, so a test overrides time in one place. */
@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
