import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import type { Verb } from '../vocabulary/verbs.js';
import type { Actor } from '../actor.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, set by the authentication guard (request decorated at start). */
    user: Actor | undefined;
  }
}

export const IS_PUBLIC = 'secrets-broker:public';
export const REQUIRED_VERB = 'secrets-broker:required-verb';

/** Any authenticated caller; the service may still decide per resource. */
export const AUTHENTICATED = 'authenticated';
export type RouteRequirement = Verb | typeof AUTHENTICATED;

/** No authentication at all (health and metrics endpoints). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * The verb a route or operation needs somewhere in the caller's grants. The service then checks
 * the exact resource; this declaration feeds the route guard and the permission snapshot test.
 */
export const RequireVerb = (requirement: RouteRequirement) => SetMetadata(REQUIRED_VERB, requirement);

export function requestOf(context: ExecutionContext): FastifyRequest {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<{ req: FastifyRequest }>().req;
  }
  return context.switchToHttp().getRequest<FastifyRequest>();
}

/** The authenticated caller, for REST handlers and GraphQL resolvers alike. */
export const CurrentActor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Actor => requestOf(context).user as Actor,
);
