import type { IncomingHttpHeaders } from 'node:http';
import type { Broker } from '../support/broker.js';

declare const operationTypes: unique symbol;

/** A GraphQL document that carries the types of its variables and of its result data. */
export interface GraphqlDocument<TData, TVariables> {
  readonly query: string;
  /** Never set at run time: only carries the types to `graphql()`. */
  readonly [operationTypes]?: { readonly data: TData; readonly variables: TVariables };
}

/** No variables at all. */
export type NoVariables = Record<string, never>;

/** Declares a document's types; hand-written next to it, checked by the tests that use it. */
export function gql<TData, TVariables = NoVariables>(query: string): GraphqlDocument<TData, TVariables> {
  return { query };
}

export interface GraphqlError {
  readonly message: string;
  readonly extensions: { readonly code?: string; readonly [key: string]: unknown };
}

export interface GraphqlResponse<TData> {
  readonly status: number;
  /** `null` when a root field failed, `undefined` when the operation never ran (validation, cost). */
  readonly data: TData | null | undefined;
  readonly errors: GraphqlError[] | undefined;
  readonly headers: IncomingHttpHeaders;
}

/** Variables are optional exactly when the document has no required one. */
export type VariablesArgument<TVariables> = NoVariables extends TVariables
  ? [variables?: TVariables]
  : [variables: TVariables];

/** Sends `document` to `/graphql` as `user:<subject>`. */
export async function graphql<TData, TVariables>(
  broker: Broker,
  subject: string,
  document: GraphqlDocument<TData, TVariables>,
  ...[variables]: VariablesArgument<TVariables>
): Promise<GraphqlResponse<TData>> {
  const response = await broker.as(subject).post('/graphql').send({ query: document.query, variables });
  return {
    status: response.status,
    data: response.body.data,
    errors: response.body.errors,
    headers: response.headers,
  };
}
