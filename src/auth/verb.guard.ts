import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { PolicyService } from '../grants/policy.service.js';
import type { Actor } from '../common/actor.js';
import {
  AUTHENTICATED,
  IS_PUBLIC,
  REQUIRED_VERB,
  requestOf,
  type RouteRequirement,
} from '../common/http/route-decorators.js';

/**
 * Route-level authorization for HTTP and GraphQL alike: the caller must hold the declared verb
 * on some scope. A route without a declaration is refused, so a forgotten one fails closed.
 */
@Injectable()
export class VerbGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly policy: PolicyService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const requirement = this.reflector.getAllAndOverride<RouteRequirement | undefined>(REQUIRED_VERB, targets);
    if (requirement === undefined) {
      throw new DomainError(ErrorCode.Forbidden, 'This operation declares no permission and is refused');
    }
    if (requirement === AUTHENTICATED) return true;
    await this.policy.guardRoute(requestOf(context).user as Actor, requirement);
    return true;
  }
}
