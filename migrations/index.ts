import { CreateRolesAndGrants1764352800000 } from './1764352800000-create-roles-and-grants.js';
import { CreateSecretsAndVersions1764360000000 } from './1764360000000-create-secrets-and-versions.js';
import { CreateAuditEvents1764370000000 } from './1764370000000-create-audit-events.js';
import { ValidBootstrapGrantIds1764800000000 } from './1764800000000-valid-bootstrap-grant-ids.js';
import { PerSecretFingerprints1764800100000 } from './1764800100000-per-secret-fingerprints.js';
import { LeaseAndWebhookVerbs1764800200000 } from './1764800200000-lease-and-webhook-verbs.js';
import { CacheVersions1764900000000 } from './1764900000000-cache-versions.js';
import { LifecycleEvents1764950000000 } from './1764950000000-lifecycle-events.js';
import { RotationEngine1765100000000 } from './1765100000000-rotation-engine.js';
import { WebhookSubscriptions1765200000000 } from './1765200000000-webhook-subscriptions.js';
import { RotationPolicyWebhooks1765200100000 } from './1765200100000-rotation-policy-webhooks.js';
import { Leases1765300000000 } from './1765300000000-leases.js';
import { LeaseTtlCaps1765300100000 } from './1765300100000-lease-ttl-caps.js';
import { KeyMaterial1765400000000 } from './1765400000000-key-material.js';
import { LeaseLeaserSubjects1765600000000 } from './1765600000000-lease-leaser-subjects.js';
import { WebhookOwnerGrants1765650000000 } from './1765650000000-webhook-owner-grants.js';
import { KeyExposure1765650100000 } from './1765650100000-key-exposure.js';
import { ApproveVerb1765700000000 } from './1765700000000-approve-verb.js';
import { GrantStartAndSource1765700100000 } from './1765700100000-grant-start-and-source.js';
import { AccessRequests1765700200000 } from './1765700200000-access-requests.js';
import { RestartBatches1765800000000 } from './1765800000000-restart-batches.js';
import { KekNames1765900000000 } from './1765900000000-kek-names.js';

/** Every migration, in order. Listed explicitly so the build and the tests load the same set. */
export const MIGRATIONS = [
  CreateRolesAndGrants1764352800000,
  CreateSecretsAndVersions1764360000000,
  CreateAuditEvents1764370000000,
  ValidBootstrapGrantIds1764800000000,
  PerSecretFingerprints1764800100000,
  LeaseAndWebhookVerbs1764800200000,
  CacheVersions1764900000000,
  LifecycleEvents1764950000000,
  RotationEngine1765100000000,
  WebhookSubscriptions1765200000000,
  RotationPolicyWebhooks1765200100000,
  Leases1765300000000,
  LeaseTtlCaps1765300100000,
  KeyMaterial1765400000000,
  LeaseLeaserSubjects1765600000000,
  WebhookOwnerGrants1765650000000,
  KeyExposure1765650100000,
  ApproveVerb1765700000000,
  GrantStartAndSource1765700100000,
  AccessRequests1765700200000,
  RestartBatches1765800000000,
  KekNames1765900000000,
];
