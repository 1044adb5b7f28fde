import { errors, qualified } from './errors.js';
import { API_AUDIENCE, ISSUER, type JwtSigner } from './jwt.js';
import { objectKey, type Store } from './store.js';
import type { JsonObject } from './types.js';
import { text } from './types.js';
import { isObject } from './types.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const ADMIN_USER: UserInfo = { username: 'emulator-admin', groups: ['system:masters', 'system:authenticated'] };

/** What an authorizer sees of a request (k8s.io/apiserver authorizer.Attributes). */
export interface Attributes {
  verb: string;
  resourceRequest: boolean;
  path: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

/** A permission granted on top of the defaults: like one RBAC PolicyRule bound to a user or group. */
export interface GrantRule {
  subject: string;
  verbs: string[];
  resources: string[];
  apiGroups?: string[];
  namespace?: string;
  resourceNames?: string[];
}

export type Authentication = { user: UserInfo; audiences: string[] } | { error: string };

const DISCOVERY_PATHS = [
  /^\/api(\/v1)?\/?$/,
  /^\/apis(\/[^/]+(\/[^/]+)?)?\/?$/,
  /^\/version\/?$/,
  /^\/openapi\//,
  /^\/(healthz|livez|readyz)/,
];
/** system:basic-user: every authenticated user may review itself. */
const SELF_REVIEWS = ['selfsubjectaccessreviews', 'selfsubjectreviews', 'selfsubjectrulesreviews'];

export class Authenticator {
  readonly grants: GrantRule[] = [];

  constructor(
    private readonly store: Store,
    private readonly signer: JwtSigner,
    private readonly adminToken: string,
  ) {}

  /** Bearer-token authentication as the token authenticators of kube-apiserver chain it. */
  authenticate(token: string, audiences: string[] = [API_AUDIENCE]): Authentication {
    if (token === this.adminToken) return { user: ADMIN_USER, audiences };
    const claims = this.signer.verify(token);
    if (!claims || claims.iss !== ISSUER) return { error: '[invalid bearer token]' };
    const reason = this.rejection(claims, audiences);
    if (reason) return { error: `[invalid bearer token, ${reason}]` };
    const k8s = claims['kubernetes.io'] as JsonObject;
    const namespace = text(k8s.namespace);
    const sa = k8s.serviceaccount as JsonObject;
    const tokenAudiences = (claims.aud as string[]).filter((a) => audiences.includes(a));
    const extra: Record<string, string[]> = {
      'authentication.kubernetes.io/credential-id': [`JTI=${text(claims.jti)}`],
    };
    return {
      user: {
        username: `system:serviceaccount:${namespace}:${text(sa.name)}`,
        uid: text(sa.uid),
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        extra,
      },
      audiences: tokenAudiences,
    };
  }

  private rejection(claims: JsonObject, audiences: string[]): string | undefined {
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp < now) return 'service account token has expired';
    if (typeof claims.nbf === 'number' && claims.nbf > now + 60) return 'service account token is not valid yet';
    const aud = Array.isArray(claims.aud) ? claims.aud.map(String) : [];
    if (!aud.some((a) => audiences.includes(a))) {
      return `token audiences ${JSON.stringify(aud)} is invalid for the target audiences ${JSON.stringify(audiences)}`;
    }
    const k8s = claims['kubernetes.io'];
    if (!isObject(k8s) || !isObject(k8s.serviceaccount)) return 'service account token claims are missing';
    const namespace = text(k8s.namespace);
    // Bound tokens die with the objects they name: the ServiceAccount and the bound Secret or Pod.
    const bindings: Array<[string, JsonObject]> = [['serviceaccounts', k8s.serviceaccount]];
    if (isObject(k8s.secret)) bindings.push(['secrets', k8s.secret]);
    if (isObject(k8s.pod)) bindings.push(['pods', k8s.pod]);
    for (const [resource, ref] of bindings) {
      const found = this.store.get(resource, objectKey(namespace, text(ref.name)));
      if (!found || found.metadata.uid !== ref.uid) return 'service account token has been invalidated';
    }
    return undefined;
  }

  allowed(user: UserInfo, a: Attributes): boolean {
    if (user.groups.includes('system:masters')) return true;
    if (!a.resourceRequest) return DISCOVERY_PATHS.some((re) => re.test(a.path));
    if (a.verb === 'create' && SELF_REVIEWS.includes(a.resource)) return true;
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return this.grants.some(
      (g) =>
        (g.subject === user.username || user.groups.includes(g.subject)) &&
        (g.verbs.includes('*') || g.verbs.includes(a.verb)) &&
        (g.resources.includes('*') || g.resources.includes(resource)) &&
        (g.apiGroups ?? ['*']).some((grp) => grp === '*' || grp === a.group) &&
        (g.namespace === undefined || g.namespace === a.namespace) &&
        (g.resourceNames === undefined || g.resourceNames.includes(a.name)),
    );
  }

  /** The 403 body the RBAC authorizer's denial produces (responsewriters.forbiddenMessage). */
  forbidden(user: UserInfo, a: Attributes): Error {
    if (!a.resourceRequest)
      return errors.forbiddenPlain(`forbidden: User "${user.username}" cannot ${a.verb} path "${a.path}"`);
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    const reason = `User "${user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`;
    const what = qualified(a.resource, a.group);
    const message = a.name ? `${what} "${a.name}" is forbidden: ${reason}` : `${what} is forbidden: ${reason}`;
    return errors.forbidden({ resource: a.resource, group: a.group, name: a.name || undefined }, message);
  }
}
