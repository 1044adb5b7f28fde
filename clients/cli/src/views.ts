import type { Schemas } from '../../typescript/index.js';
import type { View } from './output.js';

export const secretView: View<Schemas['SecretView']> = {
  kind: 'secret',
  columns: [
    ['NAMESPACE', (secret) => secret.namespace],
    ['NAME', (secret) => secret.name],
    ['STATE', (secret) => secret.state],
    ['VERSION', (secret) => secret.currentVersion],
    ['KEYS', (secret) => secret.keys],
    ['DRIFTED', (secret) => (secret.drifted ? 'yes' : 'no')],
    ['NEXT ROTATION', (secret) => secret.nextRotationAt],
  ],
  name: (secret) => `${secret.namespace}/${secret.name}`,
};

export const valuesView: View<Schemas['SecretValueView']> = {
  kind: 'key',
  columns: [
    ['KEY', (value) => value.key],
    ['ENCODING', (value) => value.encoding],
    ['VALUE', (value) => value.value],
  ],
  name: (value) => value.key,
};

export const versionView: View<Schemas['SecretVersionView']> = {
  kind: 'version',
  columns: [
    ['VERSION', (version) => version.version],
    ['STATE', (version) => version.state],
    ['REASON', (version) => version.reason],
    ['FROM', (version) => version.sourceVersion],
    ['BY', (version) => version.createdBy],
    ['AT', (version) => version.createdAt],
    ['ROLLBACK', (version) => (version.valuesRetained ? 'possible' : 'no')],
    ['NOTE', (version) => version.note],
  ],
  name: (version) => String(version.version),
};

/** A write's result, shown as the version it made. */
export const writeView: View<Schemas['SecretWriteResultView']> = {
  kind: 'secret',
  columns: [
    ['NAMESPACE', (result) => result.secret.namespace],
    ['NAME', (result) => result.secret.name],
    ['VERSION', (result) => result.version.version],
    ['REASON', (result) => result.version.reason],
    ['KEYS', (result) => result.secret.keys],
    ['RESTARTED', (result) => result.restarted.map((workload) => `${workload.kind}/${workload.name}`)],
  ],
  name: (result) => `${result.secret.namespace}/${result.secret.name}`,
};

export const consumerView: View<Schemas['SecretConsumerView']> = {
  kind: 'workload',
  columns: [
    ['KIND', (consumer) => consumer.kind],
    ['NAMESPACE', (consumer) => consumer.namespace],
    ['NAME', (consumer) => consumer.name],
    [
      'USES',
      (consumer) =>
        consumer.usages.map((usage) =>
          usage.type === 'env'
            ? `env ${usage.variable ?? ''}=${usage.key ?? ''}`
            : `${usage.type} ${usage.volume ?? usage.container ?? ''}`.trim(),
        ),
    ],
  ],
  name: (consumer) => `${consumer.kind.toLowerCase()}/${consumer.namespace}/${consumer.name}`,
};

export const grantView: View<Schemas['GrantView']> = {
  kind: 'grant',
  columns: [
    ['ID', (grant) => grant.id],
    ['SUBJECT', (grant) => grant.subject],
    ['ROLE', (grant) => grant.role],
    ['NAMESPACE', (grant) => grant.namespace],
    ['NAMES', (grant) => grant.namePattern],
    ['EXPIRES', (grant) => grant.expiresAt],
    ['REASON', (grant) => grant.reason],
  ],
  name: (grant) => grant.id,
};

export const roleView: View<Schemas['RoleView']> = {
  kind: 'role',
  columns: [
    ['NAME', (role) => role.name],
    ['VERBS', (role) => role.verbs],
    ['BUILT-IN', (role) => (role.builtIn ? 'yes' : 'no')],
    ['DESCRIPTION', (role) => role.description],
  ],
  name: (role) => role.name,
};

export const accessReviewView: View<Schemas['AccessReviewView']> = {
  kind: 'review',
  columns: [
    ['ALLOWED', (review) => (review.allowed ? 'yes' : 'no')],
    ['REASON', (review) => review.reason],
    ['GRANTS', (review) => review.matchedGrants.map((grant) => grant.id)],
  ],
  name: (review) => (review.allowed ? 'yes' : 'no'),
};

export const auditEventView: View<Schemas['AuditEventView']> = {
  kind: 'auditevent',
  columns: [
    ['ID', (event) => event.id],
    ['TIME', (event) => event.time],
    ['SUBJECT', (event) => event.subject],
    ['ACTION', (event) => event.action],
    ['OUTCOME', (event) => event.outcome],
    ['TARGET', (event) => (event.namespace ? `${event.namespace}/${event.name ?? ''}` : event.name)],
    ['VERSION', (event) => event.version],
    ['REASON', (event) => event.reason],
  ],
  name: (event) => event.id,
};

export const verificationView: View<Schemas['AuditChainVerification']> = {
  kind: 'verification',
  columns: [
    ['OK', (result) => (result.ok ? 'yes' : 'no')],
    ['CHECKED', (result) => result.checked],
    ['FIRST BROKEN', (result) => result.firstBrokenId],
    ['CHECKPOINT', (result) => (result.checkpoint ? `${result.checkpoint.id} (${result.checkpoint.location})` : null)],
    ['FINDINGS', (result) => result.findings.map((finding) => finding.message)],
  ],
  name: (result) => (result.ok ? 'ok' : 'broken'),
};

export const leaseView: View<Schemas['LeaseView']> = {
  kind: 'lease',
  columns: [
    ['ID', (lease) => lease.id],
    ['SUBJECT', (lease) => lease.subject],
    ['SERVICE ACCOUNT', (lease) => `${lease.namespace}/${lease.serviceAccount}`],
    ['STATE', (lease) => lease.state],
    ['EXPIRES', (lease) => lease.expiresAt],
    ['AUDIENCES', (lease) => lease.audiences],
  ],
  name: (lease) => lease.id,
};

export const webhookView: View<Schemas['WebhookView']> = {
  kind: 'webhook',
  columns: [
    ['ID', (webhook) => webhook.id],
    ['URL', (webhook) => webhook.url],
    ['EVENTS', (webhook) => webhook.eventTypes],
    ['NAMESPACE', (webhook) => webhook.namespace],
    ['NAMES', (webhook) => webhook.namePattern],
    ['EXPIRES', (webhook) => webhook.expiresAt],
  ],
  name: (webhook) => webhook.id,
};

export const deliveryView: View<Schemas['DeliveryView']> = {
  kind: 'delivery',
  columns: [
    ['ID', (delivery) => delivery.id],
    ['EVENT', (delivery) => delivery.eventType],
    ['STATE', (delivery) => delivery.state],
    ['ATTEMPTS', (delivery) => delivery.attempts],
    ['LAST STATUS', (delivery) => delivery.lastStatusCode ?? delivery.lastError],
    ['CREATED', (delivery) => delivery.createdAt],
  ],
  name: (delivery) => delivery.id,
};

/** A new lease: the token is shown this once. */
export const leasedTokenView: View<Schemas['LeasedTokenView']> = {
  kind: 'lease',
  columns: [
    ...leaseView.columns.map(
      ([header, get]) => [header, (leased: Schemas['LeasedTokenView']) => get(leased.lease)] as const,
    ),
    ['TOKEN', (leased) => leased.token],
  ],
  name: (leased) => leased.lease.id,
};

/** A new subscription: the signing secret is shown this once. */
export const webhookWithSecretView: View<Schemas['WebhookWithSecretView']> = {
  kind: 'webhook',
  columns: [...webhookView.columns, ['SIGNING SECRET', (webhook) => webhook.signingSecret]],
  name: (webhook) => webhook.id,
};

export const accessRequestView: View<Schemas['AccessRequestView']> = {
  kind: 'accessrequest',
  columns: [
    ['ID', (request) => request.id],
    ['REQUESTER', (request) => request.requester],
    ['ROLE', (request) => request.role],
    ['SCOPE', (request) => `${request.namespace}/${request.namePattern}`],
    ['STATE', (request) => (request.dryRun ? 'dry-run' : request.state)],
    ['APPROVALS', (request) => `${request.approvals}/${request.approvalsRequired}`],
    ['DURATION', (request) => `${request.effectiveDurationSeconds}s`],
    ['GRANT EXPIRES', (request) => request.grant?.expiresAt],
    ['APPROVERS', (request) => (request.state === 'pending' ? request.eligibleApprovers : null)],
    ['REASON', (request) => request.reason],
  ],
  name: (request) => request.id,
};

export const accessPolicyView: View<Schemas['AccessPolicyView']> = {
  kind: 'accesspolicy',
  columns: [
    ['NAME', (policy) => policy.name],
    ['SCOPE', (policy) => `${policy.namespace}/${policy.namePattern}`],
    ['ROLES', (policy) => policy.roles],
    ['REQUESTERS', (policy) => policy.requesters],
    ['APPROVALS', (policy) => policy.approvalsRequired],
    ['MAX', (policy) => `${policy.maxDurationSeconds}s`],
    ['BREAK-GLASS', (policy) => policy.breakGlass?.subjects],
  ],
  name: (policy) => policy.name,
};
