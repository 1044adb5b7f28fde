import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { broker, describeError, unwrap, type Schemas } from '../api.js';
import { ConfirmDialog } from '../components/Dialog.js';
import { ErrorNote, Loading, StatusBadge, Time } from '../components/Status.js';
import { duration } from './Access.js';
import type { SecretRef } from './SecretDetail.js';

type Version = Schemas['SecretVersionView'];

/** Which keys a version added, removed or changed against the version before it (by fingerprint). */
export function keyChanges(version: Version, previous: Version | undefined): string {
  if (!previous) return `created: ${version.fingerprints.map((entry) => entry.key).join(', ')}`;
  const before = new Map(previous.fingerprints.map((entry) => [entry.key, entry.fingerprint]));
  const after = new Map(version.fingerprints.map((entry) => [entry.key, entry.fingerprint]));
  const added = [...after.keys()].filter((key) => !before.has(key));
  const removed = [...before.keys()].filter((key) => !after.has(key));
  const changed = [...after.keys()].filter((key) => before.has(key) && before.get(key) !== after.get(key));
  const parts = [
    added.length ? `added ${added.join(', ')}` : '',
    removed.length ? `removed ${removed.join(', ')}` : '',
    changed.length ? `changed ${changed.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'no key changed';
}

function invalidateSecret(queries: ReturnType<typeof useQueryClient>, { namespace, name }: SecretRef): void {
  void queries.invalidateQueries({ queryKey: ['secret', namespace, name] });
  void queries.invalidateQueries({ queryKey: ['versions', namespace, name] });
  void queries.invalidateQueries({ queryKey: ['audit'] });
  void queries.invalidateQueries({ queryKey: ['secrets', namespace] });
}

export function SecretVersions({ namespace, name }: SecretRef) {
  const queries = useQueryClient();
  const [target, setTarget] = useState<number>();
  const versions = useQuery({
    queryKey: ['versions', namespace, name],
    queryFn: () =>
      unwrap(
        broker().GET('/v1/namespaces/{namespace}/secrets/{name}/versions', { params: { path: { namespace, name } } }),
      ),
  });
  const rollback = useMutation({
    mutationFn: ({ version, reason }: { version: number; reason: string }) =>
      unwrap(
        broker().POST('/v1/namespaces/{namespace}/secrets/{name}/rollback', {
          params: { path: { namespace, name } },
          body: { version, ...(reason ? { reason } : {}) },
        }),
      ),
    onSuccess: () => {
      setTarget(undefined);
      invalidateSecret(queries, { namespace, name });
    },
  });
  if (versions.isPending) return <Loading what="versions" />;
  if (versions.error) return <ErrorNote error={versions.error} />;
  const ordered = [...versions.data].sort((a, b) => b.version - a.version);
  const byNumber = new Map(versions.data.map((version) => [version.version, version]));
  return (
    <>
      {rollback.data && (
        <p role="status" className="success">
          Rolled back: version {rollback.data.version.version} is now current.
        </p>
      )}
      <table>
        <caption>Versions, newest first (fingerprints only, never values)</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">State</th>
            <th scope="col">Why</th>
            <th scope="col">Who</th>
            <th scope="col">When</th>
            <th scope="col">Keys changed</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {ordered.map((version) => (
            <tr key={version.version}>
              <td>{version.version}</td>
              <td>
                <StatusBadge status={version.state} />
              </td>
              <td>
                {version.reason}
                {version.sourceVersion !== null && ` of version ${version.sourceVersion}`}
                {version.note && <span className="muted"> — {version.note}</span>}
              </td>
              <td>{version.createdBy}</td>
              <td>
                <Time value={version.createdAt} />
              </td>
              <td>{keyChanges(version, byNumber.get(version.version - 1))}</td>
              <td>
                {version.state !== 'current' && version.valuesRetained && (
                  <button type="button" onClick={() => setTarget(version.version)}>
                    Roll back to version {version.version}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ConfirmDialog
        title={`Roll back ${name} to version ${target ?? ''}?`}
        open={target !== undefined}
        confirmLabel="Roll back"
        busy={rollback.isPending}
        error={rollback.error ? describeError(rollback.error) : undefined}
        onCancel={() => {
          setTarget(undefined);
          rollback.reset();
        }}
        onConfirm={(reason) => target !== undefined && rollback.mutate({ version: target, reason })}
      >
        <p>
          The values of version {target} become a new current version in the cluster. Workloads keep running with what
          they loaded until they restart.
        </p>
      </ConfirmDialog>
    </>
  );
}

/** The rotation policy in words: generators per key, schedule, strategy, restarts, drift handling. */
function describePolicy(policy: Record<string, unknown> | null): string {
  if (!policy) return 'none: rotated on demand with the generators given then';
  const generators = Object.entries((policy.generators ?? {}) as Record<string, { type?: string; length?: number }>)
    .map(([key, spec]) => `${key}: ${spec.type ?? '?'}${spec.length ? ` (${spec.length})` : ''}`)
    .join(', ');
  const interval = typeof policy.intervalSeconds === 'number' ? `every ${duration(policy.intervalSeconds)}` : undefined;
  const schedule = typeof policy.schedule === 'string' ? `on the schedule ${policy.schedule} (UTC)` : undefined;
  return [
    generators ? `generators ${generators}` : '',
    interval ?? schedule ?? 'on demand only',
    typeof policy.strategy === 'string' ? `strategy ${policy.strategy}` : '',
    policy.restartWorkloads === true ? 'restarts its consumers' : '',
    typeof policy.onDrift === 'string' ? `on drift: ${policy.onDrift}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

export function SecretRotation({ secret }: { readonly secret: Schemas['SecretView'] }) {
  const { namespace, name } = secret;
  const queries = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const versions = useQuery({
    queryKey: ['versions', namespace, name],
    queryFn: () =>
      unwrap(
        broker().GET('/v1/namespaces/{namespace}/secrets/{name}/versions', { params: { path: { namespace, name } } }),
      ),
  });
  const rotate = useMutation({
    mutationFn: (reason: string) =>
      unwrap(
        broker().POST('/v1/namespaces/{namespace}/secrets/{name}/rotate', {
          params: { path: { namespace, name } },
          body: reason ? { reason } : {},
        }),
      ),
    onSuccess: () => {
      setConfirming(false);
      invalidateSecret(queries, { namespace, name });
    },
  });
  const lastRotation = versions.data
    ?.filter((version) => version.reason === 'rotate')
    .sort((a, b) => b.version - a.version)[0];
  return (
    <>
      <dl className="facts">
        <dt>Policy</dt>
        <dd>{describePolicy(secret.rotationPolicy)}</dd>
        <dt>Last rotation</dt>
        <dd>
          {lastRotation ? (
            <>
              version {lastRotation.version} by {lastRotation.createdBy}, <Time value={lastRotation.createdAt} />
            </>
          ) : (
            'never'
          )}
        </dd>
        <dt>Next rotation</dt>
        <dd>
          <Time value={secret.nextRotationAt} />
        </dd>
        {secret.graceEndsAt && (
          <>
            <dt>Previous value valid until</dt>
            <dd>
              <Time value={secret.graceEndsAt} />
            </dd>
          </>
        )}
      </dl>
      {rotate.data && (
        <p role="status" className="success">
          Rotated: version {rotate.data.version.version} is now current.
        </p>
      )}
      <button type="button" className="primary" onClick={() => setConfirming(true)}>
        Rotate now
      </button>
      <ConfirmDialog
        title={`Rotate ${name} now?`}
        open={confirming}
        confirmLabel="Rotate"
        busy={rotate.isPending}
        error={rotate.error ? describeError(rotate.error) : undefined}
        onCancel={() => {
          setConfirming(false);
          rotate.reset();
        }}
        onConfirm={(reason) => rotate.mutate(reason)}
      >
        <p>New values are generated with the secret's rotation policy. Nothing is shown.</p>
      </ConfirmDialog>
    </>
  );
}
