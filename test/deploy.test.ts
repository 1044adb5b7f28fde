import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUSTOMIZE_ROOT, OVERLAYS, renderOverlay, validateObjects, type ManifestObject } from '../scripts/manifests.js';
import { runNpmScript } from './support/npm-script.js';

interface Container {
  env: Array<{ name: string; value?: string }>;
  lifecycle: { preStop: { sleep: { seconds: number } } };
  livenessProbe: { httpGet: { path: string } };
  readinessProbe: { httpGet: { path: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: Record<string, unknown>;
  volumeMounts: Array<{ mountPath: string }>;
}

interface DeploymentSpec {
  replicas: number;
  template: {
    spec: { terminationGracePeriodSeconds: number; securityContext: Record<string, unknown>; containers: Container[] };
  };
}

const deploymentOf = (objects: ManifestObject[]) =>
  (objects.find((object) => object.kind === 'Deployment') as unknown as { spec: DeploymentSpec }).spec;

describe.each(OVERLAYS)('the %s overlay', (overlay) => {
  const objects = renderOverlay(overlay);

  it('builds with kubectl kustomize into objects valid against the Kubernetes schemas', () => {
    expect(objects.map((object) => object.kind)).toEqual(
      expect.arrayContaining(['Deployment', 'Service', 'ServiceAccount', 'PodDisruptionBudget', 'NetworkPolicy']),
    );
    expect(validateObjects(objects)).toEqual([]);
  });

  it('runs two hardened replicas that drain within the termination grace period', () => {
    const deployment = deploymentOf(objects);
    const pod = deployment.template.spec;
    const [container] = pod.containers;
    expect(deployment.replicas).toBe(2);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.volumeMounts.map((mount) => mount.mountPath)).toContain('/tmp');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(Object.keys(container.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources.limits).sort()).toEqual(['cpu', 'memory']);
    const grace = Number(container.env.find((variable) => variable.name === 'SHUTDOWN_GRACE_SECONDS')?.value);
    expect(grace).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(container.lifecycle.preStop.sleep.seconds + grace);
  });

  it("never manages the namespace that holds the broker's own configuration", () => {
    const deployment = objects.find((object) => object.kind === 'Deployment') as ManifestObject & {
      metadata: { namespace: string };
    };
    const [container] = deploymentOf(objects).template.spec.containers;
    const managed = container.env.find((variable) => variable.name === 'MANAGED_NAMESPACES')?.value ?? '';
    expect(managed).not.toBe('');
    expect(managed.split(',')).not.toContain(deployment.metadata.namespace);
    const roles = objects.filter((object) => object.kind === 'Role' && JSON.stringify(object).includes('"secrets"'));
    expect(roles.map((role) => (role.metadata as { namespace: string }).namespace)).toEqual(managed.split(','));
  });

  it('never gives the broker cluster-wide access to Secrets', () => {
    const rules = objects.filter((object) => object.kind === 'ClusterRole').flatMap((role) => role.rules as object[]);
    expect(rules.length).toBeGreaterThan(0);
    expect(JSON.stringify(rules)).not.toMatch(/"secrets"|\*/);
  });
});

describe('deploy:check', () => {
  it('passes on the committed manifests, run as the README gives it', async () => {
    const run = await runNpmScript('deploy:check', [], {}, 240_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^single-namespace: \d+ objects, 0 problems$/m);
    expect(run.stdout).toMatch(/^multi-namespace: \d+ objects, 0 problems$/m);
  }, 300_000);

  it('reports an object the Kubernetes schemas reject', () => {
    const copy = mkdtempSync(join(tmpdir(), 'kustomize-'));
    try {
      cpSync(KUSTOMIZE_ROOT, copy, { recursive: true });
      const service = join(copy, 'base', 'service.yaml');
      writeFileSync(service, readFileSync(service, 'utf8').replace('port: 80', 'port: eighty'));
      const problems = validateObjects(renderOverlay('single-namespace', copy));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^Service\/secrets-broker: .*port/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('reports a kind it has no schema for instead of passing it unchecked', () => {
    const problems = validateObjects([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray' } }]);
    expect(problems).toEqual(['Pod/stray: v1 Pod is not a kind these manifests may contain']);
  });
});
