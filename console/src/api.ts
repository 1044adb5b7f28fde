import {
  createBrokerClient,
  type BrokerClient,
  type RequestBody,
  type Schemas,
} from '../../clients/typescript/index.js';
import { currentSession } from './session.js';

export type { RequestBody, Schemas };

/** A refusal or failure of the API, with its problem+json document when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Schemas['ProblemDocument'] | undefined,
  ) {
    super(problem ? `${problem.title}: ${problem.detail}` : `The broker answered ${status}`);
  }
}

/** The typed REST client with the signed-in person's token. */
export function broker(): BrokerClient {
  return createBrokerClient(window.location.origin, currentSession()?.token ?? '');
}

interface Answer<T> {
  readonly data?: T;
  readonly error?: unknown;
  readonly response: Response;
}

function isProblem(value: unknown): value is Schemas['ProblemDocument'] {
  return typeof value === 'object' && value !== null && 'status' in value && 'title' in value;
}

/** The data of a successful answer; an ApiError otherwise. */
export async function unwrap<T>(request: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await request;
  if (!response.ok || data === undefined) {
    if (response.ok && response.status === 204) return undefined as T;
    throw new ApiError(response.status, isProblem(error) ? error : undefined);
  }
  return data;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
