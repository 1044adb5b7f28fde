import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ClusterGateway } from '../cluster/cluster.gateway.js';
import { requestIdOf } from '../common/http/request-id.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { GROUP_PREFIX, type Actor } from './actor.js';
import { decodeJoseSegment, MAX_TOKEN_BYTES } from './token-inspection.js';

const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([a-z0-9]([-a-z0-9]*[a-z0-9])?):([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/;
// Short enough that a deleted ServiceAccount or bound object stops working quickly.
const CACHE_TTL_MS = 30_000;
const CACHE_MAX_ENTRIES = 1_000;

interface CachedReview {
  readonly subject: string;
  readonly groups: readonly string[];
  readonly expiresAt: number;
}

/**
 * KUBERNETES_TOKEN_REVIEW (SPEC §2, §5): a Kubernetes ServiceAccount token is accepted when the
 * cluster's TokenReview says it is valid, as `serviceaccount:<namespace>/<name>` with its groups.
 * Only tokens that carry the `kubernetes.io` claim are sent, so arbitrary junk is not relayed to
 * the API server. Positive answers are cached briefly by token digest (never the token itself).
 */
@Injectable()
export class ServiceAccountAuthenticator {
  private readonly reviews = new Map<string, CachedReview>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly cluster: ClusterGateway,
  ) {}

  /** The actor for a valid ServiceAccount token; undefined when the token is not one. */
  async authenticate(token: string, request: Request): Promise<Actor | undefined> {
    if (!this.config.kubernetesTokenReview || !isServiceAccountShaped(token)) return undefined;
    const digest = createHash('sha256').update(token).digest('hex');
    const review = this.cached(digest) ?? (await this.review(token, digest));
    if (!review) return undefined;
    return {
      subject: review.subject,
      subjects: [review.subject, ...review.groups.map((group) => `${GROUP_PREFIX}${group}`)],
      request: { requestId: requestIdOf(request), sourceIp: request.ip, userAgent: request.headers['user-agent'] },
    };
  }

  private cached(digest: string): CachedReview | undefined {
    const entry = this.reviews.get(digest);
    if (entry && entry.expiresAt > Date.now()) return entry;
    this.reviews.delete(digest);
    return undefined;
  }

  private async review(token: string, digest: string): Promise<CachedReview | undefined> {
    const result = await this.cluster.reviewToken(token);
    const match = result.authenticated ? SERVICE_ACCOUNT_USER.exec(result.username ?? '') : null;
    if (!match) return undefined;
    const review = { subject: `serviceaccount:${match[1]}/${match[3]}`, groups: result.groups, expiresAt: Date.now() + CACHE_TTL_MS };
    if (this.reviews.size >= CACHE_MAX_ENTRIES) this.reviews.delete(this.reviews.keys().next().value as string);
    this.reviews.set(digest, review);
    return review;
  }
}

/** A JWT whose (unverified) payload has the `kubernetes.io` claim object that ServiceAccount tokens carry. */
function isServiceAccountShaped(token: string): boolean {
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) return false;
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  return typeof decodeJoseSegment(parts[1])?.['kubernetes.io'] === 'object';
}
