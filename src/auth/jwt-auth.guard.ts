import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { IS_PUBLIC, requestOf } from './decorators.js';
import type { Actor } from './actor.js';

/** Authenticates every request that is not marked @Public(); failures are 401 problem+json. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic ? true : super.canActivate(context);
  }

  override getRequest(context: ExecutionContext) {
    return requestOf(context);
  }

  override handleRequest<TUser = Actor>(error: unknown, user: TUser | false, info: unknown): TUser {
    if (user) return user;
    throw new DomainError(ErrorCode.Unauthenticated, `Authentication failed: ${failureReason(error ?? info)}`);
  }
}

/** A caller-safe reason: passport-jwt and jsonwebtoken messages name the failed check only. */
function failureReason(cause: unknown): string {
  if (cause instanceof Error) {
    if (cause.message === 'No auth token') return 'missing bearer token';
    return cause.message;
  }
  return 'invalid token';
}
