import type { FieldError } from './errors.js';
import type { JsonObject, JsonValue, KObject } from './types.js';
import { isObject } from './types.js';

/**
 * apps/v1 workloads: the defaults the real API server applies (SetDefaults_Deployment, SetDefaults_PodSpec, ...)
 * and a status that shows every rollout as instantly complete, since no controllers run here.
 */

function obj(parent: JsonObject, key: string): JsonObject {
  const current = parent[key];
  if (isObject(current)) return current;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

function setDefault(target: JsonObject, key: string, value: JsonValue): void {
  if (target[key] === undefined) target[key] = value;
}

function defaultContainer(c: JsonValue): void {
  if (!isObject(c)) return;
  setDefault(c, 'resources', {});
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  const image = typeof c.image === 'string' ? c.image : '';
  const tagged = /:[^/]+$/.test(image.split('@')[0]) && !image.endsWith(':latest');
  setDefault(c, 'imagePullPolicy', tagged || image.includes('@') ? 'IfNotPresent' : 'Always');
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isObject(p)) setDefault(p, 'protocol', 'TCP');
}

function defaultPodTemplate(spec: JsonObject): void {
  const template = obj(spec, 'template');
  const metadata = obj(template, 'metadata');
  setDefault(metadata, 'creationTimestamp', null);
  const pod = obj(template, 'spec');
  for (const list of ['containers', 'initContainers']) {
    const containers = pod[list];
    if (Array.isArray(containers)) containers.forEach(defaultContainer);
  }
  setDefault(pod, 'restartPolicy', 'Always');
  setDefault(pod, 'terminationGracePeriodSeconds', 30);
  setDefault(pod, 'dnsPolicy', 'ClusterFirst');
  setDefault(pod, 'securityContext', {});
  setDefault(pod, 'schedulerName', 'default-scheduler');
}

/** An empty strategy means RollingUpdate with the kind's default parameters. */
function defaultStrategy(strategy: JsonObject, rollingUpdate: JsonObject): void {
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') setDefault(strategy, 'rollingUpdate', rollingUpdate);
}

export function defaultWorkload(kind: string, o: KObject): void {
  const spec = obj(o, 'spec');
  if (kind !== 'DaemonSet') setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  if (kind === 'Deployment') {
    defaultStrategy(obj(spec, 'strategy'), { maxUnavailable: '25%', maxSurge: '25%' });
    setDefault(spec, 'progressDeadlineSeconds', 600);
  } else if (kind === 'StatefulSet') {
    setDefault(spec, 'podManagementPolicy', 'OrderedReady');
    defaultStrategy(obj(spec, 'updateStrategy'), { partition: 0 });
    setDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
  } else {
    defaultStrategy(obj(spec, 'updateStrategy'), { maxUnavailable: 1, maxSurge: 0 });
  }
  defaultPodTemplate(spec);
}

export function validateWorkload(o: KObject, old?: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObject(o.spec) ? o.spec : {};
  const selector = isObject(spec.selector) ? spec.selector : undefined;
  const template = isObject(spec.template) ? spec.template : {};
  const templateLabels =
    isObject(template.metadata) && isObject(template.metadata.labels) ? template.metadata.labels : {};
  const pod = isObject(template.spec) ? template.spec : {};
  if (!selector) {
    errs.push({ type: 'FieldValueRequired', field: 'spec.selector', detail: '' });
  } else {
    const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {};
    const hasTerms =
      Object.keys(matchLabels).length > 0 ||
      (Array.isArray(selector.matchExpressions) && selector.matchExpressions.length > 0);
    if (!hasTerms) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'spec.selector',
        value: 'empty selector',
        detail: 'empty selector is invalid for deployment',
      });
    } else if (!Object.entries(matchLabels).every(([k, v]) => templateLabels[k] === v)) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'spec.template.metadata.labels',
        value: JSON.stringify(templateLabels),
        detail: '`selector` does not match template `labels`',
      });
    }
    const oldSelector = old && isObject(old.spec) ? old.spec.selector : undefined;
    if (oldSelector !== undefined && JSON.stringify(oldSelector) !== JSON.stringify(selector)) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'spec.selector',
        value: JSON.stringify(selector),
        detail: 'field is immutable',
      });
    }
  }
  if (!Array.isArray(pod.containers) || pod.containers.length === 0) {
    errs.push({ type: 'FieldValueRequired', field: 'spec.template.spec.containers', detail: '' });
  }
  if (typeof spec.replicas === 'number' && spec.replicas < 0) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.replicas',
      value: spec.replicas,
      detail: 'must be greater than or equal to 0',
    });
  }
  return errs;
}

/** metadata.generation moves when the spec changes, as the apps strategies do. */
export function nextGeneration(o: KObject, old?: KObject): number {
  if (!old) return 1;
  const previous = old.metadata.generation ?? 1;
  return JSON.stringify(o.spec) === JSON.stringify(old.spec) ? previous : previous + 1;
}

/** What the controllers would report once a rollout finished: all replicas updated and ready. */
export function completedStatus(kind: string, o: KObject): JsonObject {
  const spec = isObject(o.spec) ? o.spec : {};
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 0;
  const observedGeneration = o.metadata.generation ?? 1;
  if (kind === 'DaemonSet') {
    return {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
      observedGeneration,
      updatedNumberScheduled: 0,
    };
  }
  if (kind === 'StatefulSet') {
    const revision = `${o.metadata.name}-${observedGeneration}`;
    return {
      observedGeneration,
      replicas,
      readyReplicas: replicas,
      currentReplicas: replicas,
      updatedReplicas: replicas,
      availableReplicas: replicas,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    };
  }
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const status: JsonObject = {
    observedGeneration,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
  };
  status.conditions = [
    {
      type: 'Available',
      status: 'True',
      lastUpdateTime: now,
      lastTransitionTime: now,
      reason: 'MinimumReplicasAvailable',
      message: 'Deployment has minimum availability.',
    },
    {
      type: 'Progressing',
      status: 'True',
      lastUpdateTime: now,
      lastTransitionTime: now,
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "${o.metadata.name}" has successfully progressed.`,
    },
  ];
  if (replicas === 0) {
    for (const key of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas']) delete status[key];
  }
  return status;
}
