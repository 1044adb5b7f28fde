import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { AuditService, type OutcomeOf } from '../audit/audit.service.js';
import { ServiceAccountAuthenticator } from '../auth/service-account.authenticator.js';
import { ClusterGateway, type IssuedToken, type ObjectIdentity } from '../cluster/cluster.gateway.js';
import { GROUP_PREFIX, type Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { CursorCodec } from '../common/paging/cursor-codec.js';
import type { PageRequest } from '../common/paging/page.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { API_SERVER_AUDIENCE } from '../config/exposure-config.js';
import { PolicyService, type AccessRequest, type EffectiveGrant, type Target } from '../grants/policy.service.js';
import { LEASE_OWNER_PREFIX } from '../grants/reserved-objects.js';
import type { LeaseFilter, LeaseServiceAccountInput } from './dto/lease-inputs.js';
import type { LeaseEntity } from './entities/lease.entity.js';
import { toLeasedTokenView, toLeaseView } from './lease-views.js';
import { LeaseStore, type LeasePosition } from './lease.store.js';
import { LeasePageView, type LeasedTokenView, type LeaseView } from './models/lease.model.js';
import { Clock } from '../common/time/clock.js';

/** The API server refuses TokenRequest `expirationSeconds` below this. */
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
/** Labels every owner object carries, so an operator can tell what it is and whose. */
export const LEASE_LABEL = 'secrets-broker.io/lease';
const COMPONENT_LABELS = { 'app.kubernetes.io/created-by': 'secrets-broker', 'app.kubernetes.io/component': 'lease' };
const CURSOR = /^(\d{1,15}):([0-9a-f-]{36})$/;

/**
 * Leases of ServiceAccount tokens. Each lease owns an empty Secret in the ServiceAccount's
 * namespace and its token is bound to that Secret, so deleting the Secret ends the token in the
 * cluster at once. The row is written before the Secret exists, so no owner object is ever left
 * without a row the sweeper will find. The token is returned once and never stored or logged.
 */
@Injectable()
export class LeasesService {
  constructor(
    private readonly policy: PolicyService,
    private readonly cluster: ClusterGateway,
    private readonly store: LeaseStore,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
    @Inject(ServiceAccountAuthenticator)
    private readonly serviceAccountTokens: Pick<ServiceAccountAuthenticator, 'forget'>,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'leases' | 'exposure'>,
    private readonly clock: Clock,
  ) {}

  /**
   * A lease acts as the ServiceAccount, so the caller must cover every grant that account holds
   * here (its own and its groups'), by the same rule as making those grants; the audiences are
   * limited to LEASE_ALLOWED_AUDIENCES and one subject holds at most LEASE_MAX_ACTIVE_PER_SUBJECT.
   */
  async lease(actor: Actor, target: Target, input: LeaseServiceAccountInput): Promise<LeasedTokenView> {
    const { minTtlSeconds, maxTtlSeconds } = this.config.leases;
    if (input.ttlSeconds < minTtlSeconds || input.ttlSeconds > maxTtlSeconds) {
      throw new DomainError(
        ErrorCode.Unprocessable,
        `ttlSeconds must be between ${minTtlSeconds} and ${maxTtlSeconds}`,
        { details: { minTtlSeconds, maxTtlSeconds } },
      );
    }
    this.assertAllowedAudiences(input.audiences ?? []);
    await this.assertUnderCap(actor);
    const intent = await this.policy.authorize(actor, {
      kind: 'target',
      verbs: ['lease'],
      target,
      leaseTtlSeconds: input.ttlSeconds,
      actingAs: this.policy.grantsOfSubjects(serviceAccountSubjects(target)),
    });
    const id = randomUUID();
    return this.audit.recordOutcome(
      outcomeOf(actor, 'lease', intent.auditEventId, target, { operation: 'create_lease', leaseId: id }),
      () => this.issue(actor, id, target, input),
      (issued) => ({
        details: {
          operation: 'create_lease',
          leaseId: id,
          ttlSeconds: input.ttlSeconds,
          tokenFingerprint: issued.lease.tokenFingerprint,
        },
      }),
    );
  }

  private assertAllowedAudiences(audiences: readonly string[]): void {
    const allowed = this.config.exposure.leaseAllowedAudiences;
    const refused = audiences.length === 0 ? (allowed.includes(undefined) ? [] : ['(the API server)']) : audiences;
    const outside = refused.filter((audience) => !allowed.includes(audience));
    if (outside.length > 0) {
      const listed = allowed.map((audience) => audience ?? API_SERVER_AUDIENCE);
      throw new DomainError(
        ErrorCode.Unprocessable,
        `audiences ${outside.join(', ')} may not be leased; allowed: ${listed.join(', ')}`,
        { details: { allowedAudiences: listed } },
      );
    }
  }

  private async assertUnderCap(actor: Actor): Promise<void> {
    const cap = this.config.exposure.leaseMaxActivePerSubject;
    if ((await this.store.countLive(actor.subject, new Date(this.clock.now()))) >= cap) throw tooManyLeases(cap);
  }

  async get(actor: Actor, id: string): Promise<LeaseView> {
    const lease = await this.findVisible(actor, id);
    await this.policy.authorize(actor, lease.access);
    return toLeaseView(lease.row);
  }

  /** Deletes the owner object first: once that is done the token is dead, whatever happens next. */
  async revoke(actor: Actor, id: string): Promise<LeaseView> {
    const { row, access } = await this.findVisible(actor, id);
    if (row.state !== 'active' && row.state !== 'pending') {
      throw new DomainError(ErrorCode.Conflict, `Lease ${id} has already ended (${toLeaseView(row).state})`);
    }
    const intent = await this.policy.authorize(actor, access);
    const target = { namespace: row.namespace, name: row.serviceAccount };
    return this.audit.recordOutcome(
      outcomeOf(actor, intent.verb, intent.auditEventId, target, { operation: 'revoke_lease', leaseId: id }),
      async () => {
        await this.cluster.deleteBindingSecret(ownerOf(row));
        if (row.tokenFingerprint) this.serviceAccountTokens.forget(row.tokenFingerprint);
        await this.store.end(row, { to: 'revoked', from: ['pending', 'active'], by: actor.subject });
        return toLeaseView((await this.store.find(id)) ?? row);
      },
    );
  }

  /**
   * Newest first: the caller's own leases (while it may still lease that ServiceAccount) and
   * every lease where it manages grants. Rows it may not see are skipped, so a page can hold
   * fewer than `limit` items; `continue` still moves on.
   */
  async list(actor: Actor, filter: LeaseFilter, page: PageRequest): Promise<LeasePageView> {
    const listing = `leases|${actor.subject}|${JSON.stringify([filter.namespace, filter.subject, filter.state])}`;
    const position = page.cursor === undefined ? undefined : positionOf(this.cursors.open(page.cursor, listing));
    const grants = await this.policy.effectiveGrants(actor);
    const manages = this.policy.evaluate(grants, { kind: 'anywhere', verb: 'grants:manage' }).allowed;
    await this.policy.authorize(actor, { kind: 'anywhere', verb: manages ? 'grants:manage' : 'lease' });
    const scoped = manages ? filter : { ...filter, subject: actor.subject };
    if (!manages && filter.subject !== undefined && filter.subject !== actor.subject) {
      return Object.assign(new LeasePageView(), { items: [], continue: null });
    }
    const rows = await this.store.page(scoped, position, page.size + 1);
    const pageRows = rows.slice(0, page.size);
    const items = pageRows.filter((row) => this.accessTo(grants, actor, row) !== undefined).map(toLeaseView);
    const last = pageRows[pageRows.length - 1];
    const next = rows.length > page.size ? this.cursors.seal(`${last.createdAt.getTime()}:${last.id}`, listing) : null;
    return Object.assign(new LeasePageView(), { items, continue: next });
  }

  /**
   * Pending row, owner Secret, token, then active: the order that never leaves an owner object
   * or a working token without a row. A failure after the owner exists deletes it (best effort;
   * the sweeper deletes it at the lease's expiry otherwise).
   */
  private async issue(
    actor: Actor,
    id: string,
    target: Target,
    input: LeaseServiceAccountInput,
  ): Promise<LeasedTokenView> {
    const now = new Date(this.clock.now());
    const row = await this.store.insertPending({
      id,
      subject: actor.subject,
      leaserSubjects: [...actor.subjects],
      namespace: target.namespace,
      serviceAccount: target.name,
      audiences: input.audiences ?? [],
      reason: input.reason ?? null,
      ownerName: `${LEASE_OWNER_PREFIX}${id}`,
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000),
    });
    // Counted after the row exists, so concurrent requests cannot all pass a count taken before any of them.
    if ((await this.store.countLive(actor.subject, now)) > this.config.exposure.leaseMaxActivePerSubject) {
      await this.store.remove(row.id);
      throw tooManyLeases(this.config.exposure.leaseMaxActivePerSubject);
    }
    let owner: ObjectIdentity | undefined;
    let issued: IssuedToken;
    try {
      owner = await this.cluster.createBindingSecret(target.namespace, row.ownerName, {
        ...COMPONENT_LABELS,
        [LEASE_LABEL]: id,
      });
      issued = await this.cluster.requestBoundToken({
        namespace: target.namespace,
        serviceAccount: target.name,
        audiences: row.audiences,
        expirationSeconds: Math.max(MIN_TOKEN_EXPIRATION_SECONDS, input.ttlSeconds),
        boundSecret: owner,
      });
    } catch (error) {
      await this.abandon(row, owner);
      throw error;
    }
    const done = {
      ownerUid: owner.uid,
      tokenFingerprint: fingerprintOf(issued.token),
      tokenExpiresAt: issued.expiresAt,
    };
    if (!(await this.store.activate(row, done))) {
      await this.cluster.deleteBindingSecret(owner);
      throw new DomainError(ErrorCode.Conflict, `Lease ${id} expired before its token was issued`);
    }
    return toLeasedTokenView({ ...row, ...done, state: 'active' }, issued.token, issued.expiresAt);
  }

  private async abandon(row: LeaseEntity, owner: ObjectIdentity | undefined): Promise<void> {
    try {
      if (owner) await this.cluster.deleteBindingSecret(owner);
      await this.store.remove(row.id);
    } catch {
      // The pending row stays; the sweeper deletes the owner object at the lease's expiry.
    }
  }

  /** A lease the caller may not see answers like a missing one: ids reveal nothing. */
  private async findVisible(actor: Actor, id: string): Promise<{ row: LeaseEntity; access: AccessRequest }> {
    const row = await this.store.find(id);
    const access = row ? this.accessTo(await this.policy.effectiveGrants(actor), actor, row) : undefined;
    if (!row || !access) throw new DomainError(ErrorCode.NotFound, `Lease ${id} not found`);
    return { row, access };
  }

  /** The caller's own lease, while it may lease that ServiceAccount; else grants:manage over it. */
  private accessTo(grants: readonly EffectiveGrant[], actor: Actor, row: LeaseEntity): AccessRequest | undefined {
    const target = { namespace: row.namespace, name: row.serviceAccount };
    const own: AccessRequest = { kind: 'target', verbs: ['lease'], target };
    if (row.subject === actor.subject && this.policy.evaluate(grants, own).allowed) return own;
    const manage: AccessRequest = {
      kind: 'scope',
      verbs: ['grants:manage'],
      scope: { namespace: row.namespace, namePattern: row.serviceAccount },
    };
    return this.policy.evaluate(grants, manage).allowed ? manage : undefined;
  }
}

/** The subjects a token of this ServiceAccount acts as in the broker: itself and the groups the cluster gives it. */
export function serviceAccountSubjects({ namespace, name }: Target): string[] {
  return [
    `serviceaccount:${namespace}/${name}`,
    ...['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'].map(
      (group) => `${GROUP_PREFIX}${group}`,
    ),
  ];
}

function tooManyLeases(cap: number): DomainError {
  return new DomainError(
    ErrorCode.RateLimited,
    `You hold ${cap} active leases, the most one subject may; revoke one or wait for one to expire`,
    { details: { maxActiveLeases: cap } },
  );
}

/** SHA-256, hex: the same digest a holder of the token can compute to find its lease. */
export function fingerprintOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function ownerOf(row: LeaseEntity): ObjectIdentity {
  return { namespace: row.namespace, name: row.ownerName, uid: row.ownerUid ?? '' };
}

function outcomeOf(
  actor: Actor,
  action: OutcomeOf['action'],
  intentId: string,
  target: Target,
  details: Readonly<Record<string, string>>,
): OutcomeOf {
  return { actor, action, intentId, target, details };
}

function positionOf(position: string): LeasePosition {
  const match = CURSOR.exec(position);
  if (!match) throw new DomainError(ErrorCode.InvalidInput, 'continue is not a cursor this API returned');
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}
