/**
 * What the broker needs of Kubernetes, in the broker's own terms. The domain depends on this
 * abstract class (also the DI token); KubernetesClusterGateway is the only code that talks to
 * the API server. Every method throws DomainError: NotFound, Conflict, Unprocessable,
 * ClusterRefused (the broker lacks permission or the cluster answered unexpectedly) or
 * Unavailable (unreachable after retries).
 */
export interface ClusterSecret {
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly data: Readonly<Record<string, Buffer>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly resourceVersion: string;
  readonly immutable: boolean;
  readonly createdAt: Date | undefined;
}

export interface SecretWrite {
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly data: Readonly<Record<string, Buffer>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface SecretPage {
  readonly items: readonly ClusterSecret[];
  readonly continueToken: string | undefined;
}

/** A ConfigMap's string data: small, non-secret state kept in the cluster (e.g. the audit checkpoint). */
export interface ClusterConfigMap {
  readonly namespace: string;
  readonly name: string;
  readonly data: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly resourceVersion: string;
}

export interface ConfigMapWrite {
  readonly namespace: string;
  readonly name: string;
  readonly data: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** The parts of a pod template that can reference a Secret. */
export interface PodTemplateReferences {
  readonly containers: ReadonlyArray<{
    readonly name: string;
    readonly env?: ReadonlyArray<{
      readonly name: string;
      readonly secretKeyRef?: { readonly name: string; readonly key: string };
    }>;
    readonly envFromSecrets?: readonly string[];
  }>;
  readonly volumes: ReadonlyArray<{
    readonly name: string;
    readonly secretName?: string;
    readonly projectedSecretNames?: readonly string[];
  }>;
}

export interface ClusterWorkload {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  readonly template: PodTemplateReferences;
}

/** What the API server says of a bearer token (TokenReview). */
export interface TokenReviewResult {
  readonly authenticated: boolean;
  readonly username?: string;
  readonly groups: readonly string[];
  /** The requested audiences the token is valid for (empty from a server that ignores audiences). */
  readonly audiences: readonly string[];
}

/** One object as the cluster identifies it: a name can be reused, a uid cannot. */
export interface ObjectIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** A TokenRequest for a ServiceAccount token bound to a Secret (deleting the Secret invalidates it). */
export interface BoundTokenRequest {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Empty: the API server's own audience. */
  readonly audiences: readonly string[];
  /** At least 600: the API server refuses shorter ones. */
  readonly expirationSeconds: number;
  readonly boundSecret: ObjectIdentity;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export abstract class ClusterGateway {
  abstract getSecret(namespace: string, name: string): Promise<ClusterSecret | undefined>;
  abstract listSecrets(
    namespace: string,
    options: { labelSelector?: string; limit?: number; continueToken?: string },
  ): Promise<SecretPage>;
  abstract createSecret(secret: SecretWrite): Promise<ClusterSecret>;
  /** Replaces the object only if it is still at `resourceVersion`; otherwise Conflict. */
  abstract replaceSecret(secret: SecretWrite, resourceVersion: string): Promise<ClusterSecret>;
  abstract deleteSecret(namespace: string, name: string, resourceVersion: string): Promise<void>;
  abstract getConfigMap(namespace: string, name: string): Promise<ClusterConfigMap | undefined>;
  /** Conflict when a ConfigMap of that name already exists. */
  abstract createConfigMap(configMap: ConfigMapWrite): Promise<ClusterConfigMap>;
  /** Replaces the object only if it is still at `resourceVersion`; otherwise Conflict. */
  abstract replaceConfigMap(configMap: ConfigMapWrite, resourceVersion: string): Promise<ClusterConfigMap>;
  abstract listWorkloads(namespace: string): Promise<ClusterWorkload[]>;
  /** Restarts the workload's pods the way `kubectl rollout restart` does. */
  abstract restartWorkload(kind: WorkloadKind, namespace: string, name: string, at: Date): Promise<void>;
  /** Creates an empty Secret for a token to be bound to (Conflict when the name is taken). */
  abstract createBindingSecret(
    namespace: string,
    name: string,
    labels: Readonly<Record<string, string>>,
  ): Promise<ObjectIdentity>;
  /**
   * Deletes that Secret, and so every token bound to it. False when it was already gone; a Secret
   * of the same name but another uid (not the one the tokens name) is left alone.
   */
  abstract deleteBindingSecret(secret: ObjectIdentity): Promise<boolean>;
  /** Mints a ServiceAccount token (TokenRequest). The token is the caller's to return, never to keep. */
  abstract requestBoundToken(request: BoundTokenRequest): Promise<IssuedToken>;
  /** Asks the API server whether it issued `token`, for one of `audiences`, and that it is still valid. */
  abstract reviewToken(token: string, audiences: readonly string[]): Promise<TokenReviewResult>;
  /** Resolves when the API server answers (readiness). */
  abstract ping(): Promise<void>;
}
