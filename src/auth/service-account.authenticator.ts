import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ClusterGateway, type TokenReviewResult } from '../cluster/cluster.gateway.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type Actor } from '../common/actor.js';
import { decodeJoseSegment, MAX_TOKEN_BYTES } from './token-inspection.js';
import { actorOf } from './request-actor.js';

const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([a-z0-9]([-a-z0-9]*[a-z0-9])?):([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/;
// Short enough that a deleted ServiceAccount or bound object stops working quickly.
const ACCEPTED_TTL_MS = 30_000;
// A token bound to a Secret is a lease (the broker's or another's): revoking it deletes the Secret,
// and the token must stop working here within a second as it does in the cluster.
const SECRET_BOUND_ACCEPTED_TTL_MS = 1_000;
// Long enough that replaying one bad token costs one review, short enough not to matter otherwise.
const REFUSED_TTL_MS = 5_000;
const CACHE_MAX_ENTRIES = 1_000;

interface Review {
  readonly subject: string;
  readonly groups: readonly string[];
}

interface CachedReview {
  readonly review: Promise<Review | undefined>;
  /** Infinity while the review is in flight, so concurrent requests share it. */
  expiresAt: number;
}

/**
 * KUBERNETES_TOKEN_REVIEW: a Kubernetes ServiceAccount token is accepted when the
 * cluster's TokenReview says it is valid for one of KUBERNETES_TOKEN_REVIEW_AUDIENCES, as
 * `serviceaccount:<namespace>/<name>` with its groups. A token minted for another audience (the
 * API server's own, say) is refused, so a workload cannot replay a token it was given for
 * something else. Only tokens that carry the `kubernetes.io` claim are sent, so arbitrary junk is
 * not relayed to the API server. Answers, refusals included, are cached briefly by token digest
 * (never the token itself).
 */
@Injectable()
export class ServiceAccountAuthenticator {
  private readonly reviews = new Map<string, CachedReview>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'kubernetesTokenReview' | 'tokenReviewAudiences'>,
    private readonly cluster: ClusterGateway,
    private readonly clock: Clock,
  ) {}

  /** The actor for a valid ServiceAccount token; undefined when the token is not one. */
  async authenticate(token: string, request: FastifyRequest): Promise<Actor | undefined> {
    const claims = this.config.kubernetesTokenReview ? serviceAccountClaims(token) : undefined;
    if (!claims) return undefined;
    const review = await this.reviewOnce(
      token,
      isObject(claims.secret) ? SECRET_BOUND_ACCEPTED_TTL_MS : ACCEPTED_TTL_MS,
    );
    if (!review) return undefined;
    return actorOf(review.subject, review.groups, request);
  }

  /**
   * Forgets the review of the token with this SHA-256 (hex), so a revoked lease's token is refused
   * by this replica at once rather than within a second.
   */
  forget(tokenDigest: string): void {
    this.reviews.delete(tokenDigest);
  }

  private reviewOnce(token: string, acceptedTtlMs: number): Promise<Review | undefined> {
    const digest = createHash('sha256').update(token).digest('hex');
    const cached = this.reviews.get(digest);
    if (cached && cached.expiresAt > this.clock.now()) return cached.review;
    this.reviews.delete(digest);
    if (this.reviews.size >= CACHE_MAX_ENTRIES) this.reviews.delete(this.reviews.keys().next().value as string);
    const entry: CachedReview = { review: this.review(token), expiresAt: Infinity };
    this.reviews.set(digest, entry);
    entry.review.then(
      (review) => {
        entry.expiresAt = this.clock.now() + (review ? acceptedTtlMs : REFUSED_TTL_MS);
      },
      // The cluster could not answer: nothing is known, so the next request asks again.
      () => {
        if (this.reviews.get(digest) === entry) this.reviews.delete(digest);
      },
    );
    return entry.review;
  }

  private async review(token: string): Promise<Review | undefined> {
    const result = await this.cluster.reviewToken(token, this.config.tokenReviewAudiences);
    if (!result.authenticated || !this.forOurAudience(result)) return undefined;
    const match = SERVICE_ACCOUNT_USER.exec(result.username ?? '');
    if (!match) return undefined;
    return { subject: `serviceaccount:${match[1]}/${match[3]}`, groups: result.groups };
  }

  // An API server that ignored spec.audiences answers with none: that is not a yes for the broker.
  private forOurAudience(result: TokenReviewResult): boolean {
    return result.audiences.some((audience) => this.config.tokenReviewAudiences.includes(audience));
  }
}

/**
 * The `kubernetes.io` claim object ServiceAccount tokens carry, from a JWT's (unverified) payload;
 * undefined when the token is not shaped like one. Only used to choose what to ask the cluster.
 */
function serviceAccountClaims(token: string): Record<string, unknown> | undefined {
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const claims = decodeJoseSegment(parts[1])?.['kubernetes.io'];
  return isObject(claims) ? claims : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
