import { AccessPolicyEntity } from './access/policies/entities/access-policy.entity.js';
import { AccessRequestReviewEntity } from './access/requests/entities/access-request-review.entity.js';
import { AccessRequestEntity } from './access/requests/entities/access-request.entity.js';
import { KekNameEntity } from './crypto/kek-names.js';
import { KeyMaterialEntity } from './crypto/key-material.entity.js';
import { AuditEventEntity } from './audit/entities/audit-event.entity.js';
import { GrantEntity } from './grants/entities/grant.entity.js';
import { RoleEntity } from './grants/entities/role.entity.js';
import { LeaseEntity } from './leases/entities/lease.entity.js';
import { RestartBatchEntity } from './secrets/entities/restart-batch.entity.js';
import { SecretRecordEntity } from './secrets/entities/secret-record.entity.js';
import { SecretVersionEntity } from './secrets/entities/secret-version.entity.js';
import { LifecycleEventEntity } from './webhooks/entities/lifecycle-event.entity.js';
import { WebhookDeliveryEntity } from './webhooks/entities/webhook-delivery.entity.js';
import { WebhookSubscriptionEntity } from './webhooks/entities/webhook-subscription.entity.js';

/** Every TypeORM entity of the broker. */
export const ENTITIES = [
  RoleEntity,
  GrantEntity,
  SecretRecordEntity,
  SecretVersionEntity,
  AuditEventEntity,
  LifecycleEventEntity,
  LeaseEntity,
  WebhookSubscriptionEntity,
  WebhookDeliveryEntity,
  KeyMaterialEntity,
  AccessPolicyEntity,
  AccessRequestEntity,
  AccessRequestReviewEntity,
  KekNameEntity,
  RestartBatchEntity,
];
