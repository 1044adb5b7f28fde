import type { FastifyRequest } from 'fastify';
import { DomainError, ErrorCode } from '../errors/domain-error.js';

/**
 * The deepest nesting of objects and arrays a JSON body may have. The broker's deepest
 * legitimate body (GraphQL variables holding a secret's data) is about 5 levels; 64 leaves room
 * for any future input while keeping recursive code downstream (validation, transformation,
 * GraphQL coercion) far from the stack limit that 5,000 levels reach.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests objects or arrays more than `limit` levels deep (the top level is 1). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  // Iterative on purpose: a recursive walk would overflow on the very input it must refuse.
  const pending: unknown[] = [value];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const node = pending.pop();
    const depth = depths.pop() as number;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) {
      pending.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}

/** A `preValidation` hook, right after body parsing: a too-deep body is 400 before any handler sees it. */
export function rejectDeepJson(request: Pick<FastifyRequest, 'body'>): Promise<void> {
  if (nestsDeeperThan(request.body, MAX_JSON_DEPTH)) {
    return Promise.reject(
      new DomainError(ErrorCode.InvalidInput, `JSON body nests deeper than ${MAX_JSON_DEPTH} levels`),
    );
  }
  return Promise.resolve();
}
