import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  getOperationAST,
  getVariableValues,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/**
 * Every rule a GraphQL operation passes before any resolver runs, whichever transport carries
 * it: depth, aliases, estimated cost and (in production) no introspection. Apollo (HTTP) and
 * graphql-ws (WebSocket) both take them from here, so a limit cannot hold on one and not the other.
 */
export const MAX_QUERY_DEPTH = 8;
export const MAX_QUERY_COMPLEXITY = 5_000;
/** Aliases per operation: each aliased root field runs its resolver (and its audit) again. */
export const MAX_ALIASES = 15;

// As a validation rule the context is always there; the null case (armor's plugin form) fails closed.
function reportRejection(context: ValidationContext | null, error: GraphQLError): void {
  if (context === null) throw error;
  context.reportError(error);
}

/** Validation rules beyond graphql-js's own: depth, aliases, and no introspection in production. */
export function limitRules(production: boolean): ValidationRule[] {
  const depth = depthLimit(MAX_QUERY_DEPTH) as ValidationRule;
  const rules: ValidationRule[] = [
    depth,
    // Reported as a validation error (GRAPHQL_VALIDATION_FAILED) rather than thrown out of validation.
    maxAliasesRule({ n: MAX_ALIASES, propagateOnRejection: false, onReject: [reportRejection] }),
    ...(production ? [NoSchemaIntrospectionCustomRule] : []),
  ];
  return rules;
}

// Without variables an operation's cost depends on its document alone, and Apollo hands the same
// parsed document for the same query text (its document store): an operation sent again is
// estimated once. One with variables is estimated every time, since its cost may depend on them
// (and variables may carry secret values, which are never kept).
const costsByDocument = new WeakMap<DocumentNode, Map<string, number>>();

function constantCost(
  document: DocumentNode,
  operationName: string | null | undefined,
  estimate: () => number,
): number {
  let costs = costsByDocument.get(document);
  if (costs === undefined) {
    costs = new Map();
    costsByDocument.set(document, costs);
  }
  let cost = costs.get(operationName ?? '');
  if (cost === undefined) {
    cost = estimate();
    costs.set(operationName ?? '', cost);
  }
  return cost;
}

/** The cost refusal of an operation whose estimated cost exceeds the limit; undefined when within it. */
export function costRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): GraphQLError | undefined {
  const operation = getOperationAST(document, operationName);
  const variableDefinitions = operation?.variableDefinitions ?? [];
  // Variables that do not coerce are refused by execution (BAD_USER_INPUT) before any resolver runs.
  if (variableDefinitions.length > 0 && getVariableValues(schema, variableDefinitions, variables ?? {}).errors) {
    return undefined;
  }
  const estimate = () =>
    getComplexity({
      schema,
      query: document,
      operationName: operationName ?? undefined,
      variables: variables ?? {},
      estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    });
  const complexity = variableDefinitions.length ? estimate() : constantCost(document, operationName, estimate);
  if (complexity <= MAX_QUERY_COMPLEXITY) return undefined;
  return new GraphQLError(`Query cost ${complexity} exceeds the limit of ${MAX_QUERY_COMPLEXITY}`, {
    extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
  });
}

/** A WebSocket operation, checked: its document, or why it is refused. */
export type CheckedOperation =
  { readonly document: DocumentNode; readonly errors?: undefined } | { readonly errors: readonly GraphQLError[] };

/**
 * What a WebSocket operation must pass before it runs: it parses, is a subscription (queries and
 * mutations go over HTTP, where each request is authenticated, throttled and limited on its own),
 * and passes graphql-js's rules, the limits above and the cost limit.
 */
export function checkSocketOperation(
  schema: GraphQLSchema,
  production: boolean,
  payload: { query: string; operationName?: string | null; variables?: Readonly<Record<string, unknown>> | null },
): CheckedOperation {
  let document: DocumentNode;
  try {
    document = parse(payload.query);
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'The query does not parse';
    return { errors: [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] };
  }
  const operation = getOperationAST(document, payload.operationName);
  if (operation && operation.operation !== OperationTypeNode.SUBSCRIPTION) {
    return {
      errors: [
        new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations over HTTP', {
          extensions: { code: 'BAD_REQUEST' },
        }),
      ],
    };
  }
  const invalid = validate(schema, document, [...specifiedRules, ...limitRules(production)]);
  // The codes Apollo gives the same refusals over HTTP.
  if (invalid.length > 0) return { errors: invalid.map(withCode('GRAPHQL_VALIDATION_FAILED')) };
  const tooCostly = costRefusal(schema, document, payload.operationName, payload.variables);
  return tooCostly ? { errors: [tooCostly] } : { document };
}

function withCode(code: string) {
  return (error: GraphQLError): GraphQLError =>
    new GraphQLError(error.message, {
      nodes: error.nodes,
      extensions: { ...error.extensions, code: error.extensions.code ?? code },
    });
}
