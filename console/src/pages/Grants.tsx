import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { broker, describeError, unwrap, type RequestBody, type Schemas } from '../api.js';
import { ConfirmDialog } from '../components/Dialog.js';
import { ErrorNote, Loading, Time } from '../components/Status.js';

type Grant = Schemas['GrantView'];

/** Where a grant came from: an access request, bootstrap, or a person. */
export function grantSource(grant: Grant): string {
  if (grant.source?.kind === 'access-request') return `access request ${grant.source.requestId.slice(0, 8)}`;
  if (grant.createdBy.startsWith('system:')) return grant.createdBy;
  return `granted by ${grant.createdBy}`;
}

export function GrantsPage() {
  const queries = useQueryClient();
  const [revoking, setRevoking] = useState<Grant>();
  const grants = useQuery({ queryKey: ['grants'], queryFn: () => unwrap(broker().GET('/v1/grants')) });
  const roles = useQuery({ queryKey: ['roles'], queryFn: () => unwrap(broker().GET('/v1/roles')) });
  const revoke = useMutation({
    mutationFn: (grant: Grant) => unwrap(broker().DELETE('/v1/grants/{id}', { params: { path: { id: grant.id } } })),
    onSuccess: () => {
      setRevoking(undefined);
      void queries.invalidateQueries({ queryKey: ['grants'] });
      void queries.invalidateQueries({ queryKey: ['whoami'] });
    },
  });
  return (
    <>
      <h1>Grants and roles</h1>
      <h2>Grants</h2>
      {grants.isPending && <Loading what="grants" />}
      <ErrorNote error={grants.error} />
      {grants.data && (
        <table>
          <caption>Who may do what, where (expired grants never match)</caption>
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">Role</th>
              <th scope="col">Scope</th>
              <th scope="col">Source</th>
              <th scope="col">Expires</th>
              <th scope="col">Reason</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {grants.data.map((grant) => (
              <tr key={grant.id}>
                <td>{grant.subject}</td>
                <td>{grant.role}</td>
                <td>
                  {grant.namespace}/{grant.namePattern}
                </td>
                <td>{grantSource(grant)}</td>
                <td>{grant.expiresAt ? <Time value={grant.expiresAt} /> : 'never'}</td>
                <td>{grant.reason ?? '—'}</td>
                <td>
                  <button type="button" className="danger" onClick={() => setRevoking(grant)}>
                    Revoke
                    <span className="sr-only">
                      {' '}
                      {grant.role} of {grant.subject}
                    </span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ConfirmDialog
        title="Revoke this grant?"
        open={revoking !== undefined}
        confirmLabel="Revoke"
        danger
        busy={revoke.isPending}
        error={revoke.error ? describeError(revoke.error) : undefined}
        onCancel={() => {
          setRevoking(undefined);
          revoke.reset();
        }}
        onConfirm={() => revoking && revoke.mutate(revoking)}
      >
        <p>
          {revoking?.subject} loses {revoking?.role} on {revoking?.namespace}/{revoking?.namePattern} with the next
          request.
        </p>
      </ConfirmDialog>
      <CreateGrant roles={roles.data ?? []} />
      <h2>Roles</h2>
      <ErrorNote error={roles.error} />
      {roles.data && (
        <table>
          <caption>Named sets of verbs</caption>
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Verbs</th>
              <th scope="col">Kind</th>
            </tr>
          </thead>
          <tbody>
            {roles.data.map((role) => (
              <tr key={role.name}>
                <td>{role.name}</td>
                <td>{role.verbs.join(', ')}</td>
                <td>{role.builtIn ? 'built in' : 'custom'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

interface Draft {
  subject: string;
  role: string;
  namespace: string;
  namePattern: string;
  expiresAt: string;
  reason: string;
}

function CreateGrant({ roles }: { readonly roles: Schemas['RoleView'][] }) {
  const queries = useQueryClient();
  const id = useId();
  const [draft, setDraft] = useState<Draft>({
    subject: '',
    role: 'reader',
    namespace: '',
    namePattern: '*',
    expiresAt: '',
    reason: '',
  });
  const set = (key: keyof Draft) => (event: { target: { value: string } }) =>
    setDraft((previous) => ({ ...previous, [key]: event.target.value }));
  const role = roles.find((candidate) => candidate.name === draft.role);
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        broker().POST('/v1/grants', {
          body: {
            subject: draft.subject,
            role: draft.role,
            namespace: draft.namespace,
            namePattern: draft.namePattern || '*',
            ...(draft.expiresAt ? { expiresAt: new Date(draft.expiresAt).toISOString() } : {}),
            ...(draft.reason ? { reason: draft.reason } : {}),
          },
        }),
      ),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ['grants'] }),
  });
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>New grant</h2>
      <form
        className="grid-form"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <label htmlFor={`${id}-subject`}>Subject</label>
        <input id={`${id}-subject`} required placeholder="user:alice" value={draft.subject} onChange={set('subject')} />
        <label htmlFor={`${id}-role`}>Role</label>
        <select id={`${id}-role`} value={draft.role} onChange={set('role')}>
          {roles.map((candidate) => (
            <option key={candidate.name}>{candidate.name}</option>
          ))}
        </select>
        <label htmlFor={`${id}-namespace`}>Namespace</label>
        <input id={`${id}-namespace`} required value={draft.namespace} onChange={set('namespace')} />
        <label htmlFor={`${id}-pattern`}>Secret name pattern</label>
        <input id={`${id}-pattern`} value={draft.namePattern} onChange={set('namePattern')} />
        <label htmlFor={`${id}-expires`}>Expires</label>
        <input id={`${id}-expires`} type="datetime-local" value={draft.expiresAt} onChange={set('expiresAt')} />
        <label htmlFor={`${id}-reason`}>Reason</label>
        <input id={`${id}-reason`} value={draft.reason} onChange={set('reason')} />
        <div className="actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            Create grant
          </button>
        </div>
      </form>
      {create.data && (
        <p role="status" className="success">
          Granted {create.data.role} to {create.data.subject}.
        </p>
      )}
      <ErrorNote error={create.error} />
      {draft.subject && draft.namespace && role && <AccessPreview draft={draft} verbs={role.verbs} />}
    </section>
  );
}

/** What the subject may do today on the grant's scope, verb by verb, before the grant is made. */
function AccessPreview({ draft, verbs }: { readonly draft: Draft; readonly verbs: string[] }) {
  // A name the pattern matches stands for the scope (the review is per secret name).
  const example = (draft.namePattern || '*').replace(/\*/g, 'x');
  const preview = useQuery({
    queryKey: ['access-preview', draft.subject, draft.namespace, example, verbs],
    queryFn: () =>
      Promise.all(
        verbs.map(async (verb) => ({
          verb,
          review: await unwrap(
            broker().POST('/v1/access-reviews', {
              body: {
                subject: draft.subject,
                verb: verb as RequestBody<'/v1/access-reviews', 'post'>['verb'],
                namespace: draft.namespace,
                name: example,
              },
            }),
          ),
        })),
      ),
  });
  return (
    <section aria-label="Access review preview" className="preview">
      <h3>
        Access review preview: {draft.subject} on {draft.namespace}/{example}
      </h3>
      <ErrorNote error={preview.error} />
      {preview.data && (
        <ul>
          {preview.data.map(({ verb, review }) => (
            <li key={verb}>
              <strong>{verb}</strong>: {review.allowed ? 'already allowed' : 'newly granted'} — {review.reason}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
