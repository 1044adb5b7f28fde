import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { GrantsModule } from '../grants/grants.module.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { JwtStrategy } from './jwt.strategy.js';
import { VerbGuard } from './verb.guard.js';

/** Authentication then route-level authorization, in that order, for every route and operation. */
@Module({
  imports: [PassportModule, GrantsModule],
  providers: [
    JwtStrategy,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: VerbGuard },
  ],
})
export class AuthModule {}
