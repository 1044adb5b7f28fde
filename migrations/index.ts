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
import { RestartBatches1765800000000 } from './1765800000000-restart-batches.js';

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
  RestartBatches1765800000000,
];
