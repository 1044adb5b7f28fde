import { gql } from './graphql-client.js';

/*
 * The GraphQL operations the tests send, each with the types of its variables and its result data
 * (hand-written from src/schema.gql; a field the schema lacks fails at run time as a validation error).
 */

type JsonObject = Record<string, unknown>;

// Grants, roles, access reviews and whoami.

export interface GrantFields {
  readonly id: string;
  readonly subject: string;
  readonly role: string;
  readonly verbs: string[];
  readonly namespace: string;
  readonly namePattern: string;
  readonly expiresAt: string | null;
  readonly reason: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
}
const GRANT = 'id subject role verbs namespace namePattern expiresAt reason createdBy createdAt';

export interface CreateGrantInput {
  readonly subject: string;
  readonly role: string;
  readonly namespace: string;
  readonly namePattern?: string;
  readonly expiresAt?: string;
  readonly reason?: string;
}

export const CREATE_GRANT = gql<{ createGrant: GrantFields }, { input: CreateGrantInput }>(
  `mutation CreateGrant($input: CreateGrantInput!) { createGrant(input: $input) { ${GRANT} } }`,
);

export const DELETE_GRANT = gql<{ deleteGrant: { id: string } }, { id: string }>(
  'mutation DeleteGrant($id: ID!) { deleteGrant(id: $id) { id } }',
);

export const GRANTS = gql<{ grants: GrantFields[] }, { subject?: string; namespace?: string; role?: string }>(
  `query Grants($subject: String, $namespace: String, $role: String) {
    grants(subject: $subject, namespace: $namespace, role: $role) { ${GRANT} }
  }`,
);

export interface RoleFields {
  readonly name: string;
  readonly verbs: string[];
  readonly builtIn: boolean;
}

export const CREATE_ROLE = gql<
  { createRole: RoleFields },
  { input: { name: string; verbs: string[]; description?: string } }
>('mutation CreateRole($input: CreateRoleInput!) { createRole(input: $input) { name verbs builtIn } }');

export const ROLES = gql<{ roles: RoleFields[] }>('query Roles { roles { name verbs builtIn } }');

export const DELETE_ROLE = gql<{ deleteRole: { name: string } }, { name: string }>(
  'mutation DeleteRole($name: String!) { deleteRole(name: $name) { name } }',
);

export interface AccessReviewFields {
  readonly allowed: boolean;
  readonly reason: string;
  readonly hiddenMatchedGrants: number;
  readonly matchedGrants: Array<Pick<GrantFields, 'id' | 'subject' | 'role' | 'namespace' | 'namePattern'>>;
}

export const ACCESS_REVIEW = gql<
  { accessReview: AccessReviewFields },
  { input: { verb: string; namespace: string; name: string; subject?: string } }
>(
  `query AccessReview($input: AccessReviewInput!) {
    accessReview(input: $input) { allowed reason hiddenMatchedGrants matchedGrants { id subject role namespace namePattern } }
  }`,
);

export interface WhoamiFields {
  readonly subject: string;
  readonly subjects: string[];
  readonly grants: Array<Pick<GrantFields, 'role' | 'namespace' | 'namePattern'>>;
}

export const WHOAMI = gql<{ whoami: WhoamiFields }>(
  'query Whoami { whoami { subject subjects grants { role namespace namePattern } } }',
);

// Secrets.

export interface SecretFields {
  readonly namespace: string;
  readonly name: string;
  readonly keys: string[];
  readonly labels: Record<string, string>;
  readonly state: string;
  readonly currentVersion: number | null;
}
const SECRET = 'namespace name keys labels state currentVersion';

export interface SecretVersionFields {
  readonly version: number;
  readonly state: string;
  readonly reason: string;
  readonly sourceVersion: number | null;
  readonly valuesRetained: boolean;
  readonly fingerprints: Array<{ key: string; fingerprint: string }>;
}

export interface SecretConsumerFields {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly usages: Array<{ type: string; container: string | null; variable: string | null; key: string | null }>;
}
const CONSUMER = 'kind namespace name usages { type container variable key }';

export interface SecretValueFields {
  readonly key: string;
  readonly value: string;
  readonly encoding: string;
}

export interface SecretWriteFields {
  readonly secret: SecretFields;
  readonly version: Pick<SecretVersionFields, 'version' | 'state' | 'reason' | 'sourceVersion'>;
  readonly restarted: SecretConsumerFields[];
  readonly values: SecretValueFields[] | null;
}
const WRITE_RESULT = `secret { ${SECRET} } version { version state reason sourceVersion } restarted { ${CONSUMER} } values { key value encoding }`;

interface SecretAddress {
  namespace: string;
  name: string;
}

export const SECRETS = gql<
  { secrets: { items: SecretFields[]; continue: string | null } },
  { namespace: string; first?: number; after?: string; labelSelector?: string }
>(
  `query Secrets($namespace: String!, $first: Int, $after: String, $labelSelector: String) {
    secrets(namespace: $namespace, first: $first, after: $after, labelSelector: $labelSelector) { items { ${SECRET} } continue }
  }`,
);

export const SECRET_DETAILS = gql<{ secret: SecretFields }, SecretAddress>(
  `query Secret($namespace: String!, $name: String!) { secret(namespace: $namespace, name: $name) { ${SECRET} } }`,
);

/** The `Secret.versions` field resolver. */
export const SECRET_VERSIONS = gql<{ secret: SecretFields & { versions: SecretVersionFields[] } }, SecretAddress>(
  `query SecretVersions($namespace: String!, $name: String!) {
    secret(namespace: $namespace, name: $name) {
      ${SECRET} versions { version state reason sourceVersion valuesRetained fingerprints { key fingerprint } }
    }
  }`,
);

/** The `Secret.consumers` field resolver. */
export const SECRET_CONSUMERS = gql<{ secret: { consumers: SecretConsumerFields[] } }, SecretAddress>(
  `query SecretConsumers($namespace: String!, $name: String!) {
    secret(namespace: $namespace, name: $name) { consumers { ${CONSUMER} } }
  }`,
);

export const REQUEST_SECRET = gql<
  { requestSecret: { namespace: string; name: string; version: number | null; values: SecretValueFields[] } },
  SecretAddress & { input?: { keys?: string[]; reason?: string } }
>(
  `mutation RequestSecret($namespace: String!, $name: String!, $input: RequestSecretInput) {
    requestSecret(namespace: $namespace, name: $name, input: $input) { namespace name version values { key value encoding } }
  }`,
);

export interface CreateSecretInput {
  readonly name: string;
  readonly data?: Record<string, string>;
  readonly dataEncoding?: string;
  readonly generate?: JsonObject;
  readonly labels?: Record<string, string>;
  readonly reason?: string;
  readonly rotationPolicy?: JsonObject;
}

export const CREATE_SECRET = gql<{ createSecret: SecretWriteFields }, { namespace: string; input: CreateSecretInput }>(
  `mutation CreateSecret($namespace: String!, $input: CreateSecretInput!) {
    createSecret(namespace: $namespace, input: $input) { ${WRITE_RESULT} }
  }`,
);

export const UPDATE_SECRET = gql<
  { updateSecret: SecretWriteFields },
  SecretAddress & { ifMatch?: number; input: { data: Record<string, string>; dataEncoding?: string; reason?: string } }
>(
  `mutation UpdateSecret($namespace: String!, $name: String!, $ifMatch: Int, $input: UpdateSecretInput!) {
    updateSecret(namespace: $namespace, name: $name, ifMatch: $ifMatch, input: $input) { ${WRITE_RESULT} }
  }`,
);

export interface RotateSecretInput {
  readonly generate?: JsonObject;
  readonly keys?: string[];
  readonly reason?: string;
  readonly restartWorkloads?: boolean;
  readonly returnValues?: boolean;
}

export const ROTATE_SECRET = gql<{ rotateSecret: SecretWriteFields }, SecretAddress & { input?: RotateSecretInput }>(
  `mutation RotateSecret($namespace: String!, $name: String!, $input: RotateSecretInput) {
    rotateSecret(namespace: $namespace, name: $name, input: $input) { ${WRITE_RESULT} }
  }`,
);

export const ROLLBACK_SECRET = gql<
  { rollbackSecret: SecretWriteFields },
  SecretAddress & { input: { version: number; reason?: string } }
>(
  `mutation RollbackSecret($namespace: String!, $name: String!, $input: RollbackSecretInput!) {
    rollbackSecret(namespace: $namespace, name: $name, input: $input) { ${WRITE_RESULT} }
  }`,
);

export const REVOKE_SECRET = gql<
  { revokeSecret: { name: string; state: string } },
  SecretAddress & { input: { reason: string } }
>(
  `mutation RevokeSecret($namespace: String!, $name: String!, $input: RevokeSecretInput!) {
    revokeSecret(namespace: $namespace, name: $name, input: $input) { name state }
  }`,
);

// The audit trail.

export interface AuditEventFields {
  readonly id: string;
  readonly subject: string;
  readonly action: string;
  readonly outcome: string;
  readonly namespace: string | null;
  readonly name: string | null;
  readonly details: JsonObject | null;
}

export interface AuditEventFilter {
  readonly subject?: string;
  readonly verb?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly outcome?: string;
  readonly since?: string;
  readonly until?: string;
}

export const AUDIT_EVENTS = gql<
  { auditEvents: { items: AuditEventFields[]; continue: string | null } },
  { filter?: AuditEventFilter; after?: string; first?: number }
>(
  `query AuditEvents($filter: AuditEventFilter, $after: String, $first: Int) {
    auditEvents(filter: $filter, after: $after, first: $first) { items { id subject action outcome namespace name details } continue }
  }`,
);
