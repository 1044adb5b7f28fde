/** The REST API's JSON bodies as tests read them (dates arrive as ISO strings). */

export interface GrantBody {
  readonly id: string;
  readonly subject: string;
  readonly role: string;
  readonly verbs: string[];
  readonly namespace: string;
  readonly namePattern: string;
  readonly notBefore: string | null;
  readonly expiresAt: string | null;
  readonly source?: { readonly kind: 'access-request'; readonly requestId: string };
  readonly reason: string | null;
  readonly maxLeaseTtlSeconds: number | null;
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface RoleBody {
  readonly name: string;
  readonly verbs: string[];
  readonly description: string | null;
  readonly builtIn: boolean;
  readonly maxLeaseTtlSeconds: number | null;
  readonly createdAt: string;
}

export interface SecretBody {
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly keys: string[];
  readonly labels: Record<string, string>;
  readonly state: 'active' | 'revoked' | 'unmanaged';
  readonly currentVersion: number | null;
  readonly resourceVersion: string | null;
  readonly createdAt: string | null;
}

export interface KeyFingerprintBody {
  readonly key: string;
  readonly fingerprint: string;
}

export interface SecretVersionBody {
  readonly version: number;
  readonly state: string;
  readonly reason: string;
  readonly note: string | null;
  readonly sourceVersion: number | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly valuesRetained: boolean;
  readonly fingerprints: KeyFingerprintBody[];
}

export interface SecretValueBody {
  readonly key: string;
  readonly value: string;
  readonly encoding: string;
}

export interface SecretValuesBody {
  readonly namespace: string;
  readonly name: string;
  readonly version: number | null;
  readonly values: SecretValueBody[];
}

export interface ConsumerBody {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly usages: Array<{ type: string; container?: string; variable?: string; key?: string; volume?: string }>;
}

/** The answer to create, update, rotate and rollback. */
export interface SecretWriteBody {
  readonly secret: SecretBody;
  readonly version: SecretVersionBody;
  readonly restarted: ConsumerBody[];
  readonly values?: SecretValueBody[];
}
