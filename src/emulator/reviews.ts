import { randomUUID } from 'node:crypto';
import type { Attributes, Authenticator, UserInfo } from './auth.js';
import { errors } from './errors.js';
import { API_AUDIENCE, ISSUER, type JwtSigner } from './jwt.js';
import { objectKey, type Store } from './store.js';
import type { JsonObject } from './types.js';
import { text } from './types.js';
import { isObject } from './types.js';

const MIN_EXPIRATION = 600;
const MAX_EXPIRATION = 2 ** 32;
const DEFAULT_EXPIRATION = 3600;

/** Where a TokenRequest may bind its token: the kinds the real TokenRequest REST handler accepts. */
const BINDABLE: Record<string, string> = { Secret: 'secrets', Pod: 'pods', Node: 'nodes' };

/** The TokenRequest subresource: a bound, expiring RS256 token for a ServiceAccount. */
export function tokenRequest(
  store: Store,
  signer: JwtSigner,
  namespace: string,
  name: string,
  body: JsonObject,
): JsonObject {
  const sa = store.get('serviceaccounts', objectKey(namespace, name));
  if (!sa) throw errors.notFound({ resource: 'serviceaccounts', group: '', name });
  const spec = isObject(body.spec) ? body.spec : {};
  const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : DEFAULT_EXPIRATION;
  const audiences =
    Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences.map(String) : [API_AUDIENCE];
  if (expirationSeconds < MIN_EXPIRATION || expirationSeconds > MAX_EXPIRATION) {
    const detail =
      expirationSeconds < MIN_EXPIRATION
        ? 'may not specify a duration less than 10 minutes'
        : 'may not specify a duration larger than 2^32 seconds';
    throw errors.invalid('TokenRequest', 'authentication.k8s.io', name, [
      { type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail },
    ]);
  }
  const issuedAt = Math.floor(Date.now() / 1000);
  const k8s: JsonObject = { namespace, serviceaccount: { name, uid: sa.metadata.uid ?? '' } };
  const ref = isObject(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
  let boundObjectRef: JsonObject | null = null;
  if (ref) {
    const kind = text(ref.kind);
    const resource = BINDABLE[kind];
    if (!resource || (ref.apiVersion ?? 'v1') !== 'v1')
      throw errors.badRequest(`cannot bind token for object of kind "${kind}"`);
    const refName = text(ref.name);
    const bound = store.get(resource, objectKey(kind === 'Node' ? undefined : namespace, refName));
    if (!bound) throw errors.notFound({ resource, group: '', name: refName });
    if (ref.uid && ref.uid !== bound.metadata.uid) {
      throw errors.conflict(
        { resource: kind, group: '', name: refName },
        `the UID in the bound object reference (${text(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
    k8s[kind.toLowerCase()] = { name: refName, uid: bound.metadata.uid ?? '' };
    boundObjectRef = { kind, apiVersion: 'v1', name: refName, uid: bound.metadata.uid ?? '' };
  }
  const claims: JsonObject = {
    aud: audiences,
    exp: issuedAt + expirationSeconds,
    iat: issuedAt,
    iss: ISSUER,
    jti: randomUUID(),
    'kubernetes.io': k8s,
    nbf: issuedAt,
    sub: `system:serviceaccount:${namespace}:${name}`,
  };
  const expirationTimestamp = new Date((issuedAt + expirationSeconds) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds, boundObjectRef },
    status: { token: signer.sign(claims), expirationTimestamp },
  };
}

/** TokenReview: authenticates a token the way the API server would, for a caller allowed to create reviews. */
export function tokenReview(auth: Authenticator, body: JsonObject): JsonObject {
  const spec = isObject(body.spec) ? body.spec : {};
  const token = typeof spec.token === 'string' ? spec.token : '';
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences.map(String) : undefined;
  const result = auth.authenticate(token, audiences);
  const status: JsonObject =
    'user' in result
      ? { authenticated: true, user: userJson(result.user), audiences: result.audiences }
      : { user: {}, error: result.error };
  return {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status,
  };
}

export function userJson(user: UserInfo): JsonObject {
  const out: JsonObject = { username: user.username };
  if (user.uid) out.uid = user.uid;
  out.groups = user.groups;
  if (user.extra) out.extra = user.extra;
  return out;
}

export function selfSubjectAccessReview(auth: Authenticator, user: UserInfo, body: JsonObject): JsonObject {
  const spec = isObject(body.spec) ? body.spec : {};
  const ra = isObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  const nra = isObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : {};
  const attrs: Attributes = ra
    ? {
        verb: text(ra.verb),
        resourceRequest: true,
        path: '',
        group: text(ra.group),
        resource: text(ra.resource),
        subresource: text(ra.subresource),
        namespace: text(ra.namespace),
        name: text(ra.name),
      }
    : {
        verb: text(nra.verb),
        resourceRequest: false,
        path: text(nra.path),
        group: '',
        resource: '',
        subresource: '',
        namespace: '',
        name: '',
      };
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed: auth.allowed(user, attrs) },
  };
}

export function selfSubjectReview(user: UserInfo): JsonObject {
  return {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: { userInfo: userJson(user) },
  };
}
