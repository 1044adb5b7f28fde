// Builds the kustomize overlays in deploy/kustomize and validates every object against the
// Kubernetes schemas (kubernetes-models). Used by `npm run deploy:check` and test/deploy.test.ts.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';

export const KUSTOMIZE_ROOT = 'deploy/kustomize';
export const OVERLAYS = ['single-namespace', 'multi-namespace'] as const;
const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

interface Validatable {
  validate(): void;
}

/** The kinds the manifests may contain; anything else is an error rather than passing unchecked. */
const MODELS: Record<string, new (data: never) => Validatable> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
};

/** `kubectl kustomize` of one overlay, parsed. */
export function renderOverlay(overlay: string, root = KUSTOMIZE_ROOT): ManifestObject[] {
  const output = execFileSync(KUBECTL, ['kustomize', join(root, 'overlays', overlay)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(output)
    .map((document) => document.toJS() as ManifestObject | null)
    .filter((object): object is ManifestObject => object !== null);
}

/** Every problem found, one line each ("Kind/name: message"); empty when all objects are valid. */
export function validateObjects(objects: readonly ManifestObject[]): string[] {
  return objects.flatMap((object) => {
    const label = `${object.kind}/${object.metadata?.name ?? '?'}`;
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (!Model) return [`${label}: ${object.apiVersion} ${object.kind} is not a kind these manifests may contain`];
    try {
      new Model(object as never).validate();
      return [];
    } catch (error) {
      return [`${label}: ${error instanceof Error ? error.message : String(error)}`];
    }
  });
}
