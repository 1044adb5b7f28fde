import { useMutation, useQuery } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { useDeferredValue, useId, useState } from 'react';
import { broker, unwrap, type RequestBody, type Schemas } from '../api.js';
import { ErrorNote, Loading } from '../components/Status.js';
import { duration } from './Access.js';

export function accessNewSearch(search: Record<string, unknown>): { breakGlass?: boolean } {
  return { breakGlass: search.breakGlass === true || search.breakGlass === 'true' ? true : undefined };
}

const route = getRouteApi('/access/new');

interface Draft {
  policy: string;
  namespace: string;
  namePattern: string;
  role: string;
  minutes: string;
  reason: string;
}

function inputOf(draft: Draft, breakGlass: boolean, dryRun: boolean): RequestBody<'/v1/access-requests', 'post'> {
  return {
    policy: draft.policy,
    namespace: draft.namespace,
    namePattern: draft.namePattern || '*',
    role: draft.role,
    durationSeconds: Math.round(Number(draft.minutes) * 60),
    ...(draft.reason ? { reason: draft.reason } : {}),
    ...(breakGlass ? { breakGlass: true } : {}),
    ...(dryRun ? { dryRun: true } : {}),
  };
}

export function AccessNewPage() {
  const { breakGlass = false } = route.useSearch();
  const policies = useQuery({
    queryKey: ['access', 'policies'],
    queryFn: () => unwrap(broker().GET('/v1/access-policies')),
  });
  return (
    <>
      <p className="breadcrumb">
        <Link to="/access" search={{}}>
          Access requests
        </Link>
      </p>
      <h1>{breakGlass ? 'Break glass' : 'Request access'}</h1>
      {breakGlass && (
        <p className="warning" role="note">
          Break-glass access is granted at once, without approval, for emergencies only. It is recorded loudly: an audit
          event, a webhook to the security team, and an approver must review it afterwards. Give a reason that will
          stand up to that review.
        </p>
      )}
      {policies.isPending && <Loading what="access policies" />}
      <ErrorNote error={policies.error} />
      {policies.data && policies.data.length === 0 && <p>No access policy lets you ask for anything.</p>}
      {policies.data && policies.data.length > 0 && <RequestForm policies={policies.data} breakGlass={breakGlass} />}
    </>
  );
}

function RequestForm({
  policies,
  breakGlass,
}: {
  readonly policies: Schemas['AccessPolicyView'][];
  readonly breakGlass: boolean;
}) {
  const id = useId();
  const navigate = useNavigate();
  const first = policies[0];
  const [draft, setDraft] = useState<Draft>({
    policy: first.name,
    namespace: first.namespace === '*' ? '' : first.namespace,
    namePattern: first.namePattern,
    role: first.roles[0] ?? '',
    minutes: '60',
    reason: '',
  });
  const policy = policies.find((candidate) => candidate.name === draft.policy) ?? first;
  const set = (key: keyof Draft) => (event: { target: { value: string } }) => {
    const value = event.target.value;
    setDraft((previous) => {
      if (key !== 'policy') return { ...previous, [key]: value };
      const chosen = policies.find((candidate) => candidate.name === value) ?? first;
      return {
        ...previous,
        policy: value,
        namespace: chosen.namespace === '*' ? '' : chosen.namespace,
        namePattern: chosen.namePattern,
        role: chosen.roles[0] ?? '',
      };
    });
  };
  const submit = useMutation({
    mutationFn: () => unwrap(broker().POST('/v1/access-requests', { body: inputOf(draft, breakGlass, false) })),
    onSuccess: (created) => void navigate({ to: '/access/$id', params: { id: created.id } }),
  });
  return (
    <>
      <form
        className="grid-form"
        onSubmit={(event) => {
          event.preventDefault();
          submit.mutate();
        }}
      >
        <label htmlFor={`${id}-policy`}>Policy</label>
        <select id={`${id}-policy`} value={draft.policy} onChange={set('policy')}>
          {policies.map((candidate) => (
            <option key={candidate.name}>{candidate.name}</option>
          ))}
        </select>
        <label htmlFor={`${id}-namespace`}>Namespace</label>
        <input
          id={`${id}-namespace`}
          required
          value={draft.namespace}
          readOnly={policy.namespace !== '*'}
          onChange={set('namespace')}
        />
        <label htmlFor={`${id}-pattern`}>Secret name pattern</label>
        <input id={`${id}-pattern`} value={draft.namePattern} onChange={set('namePattern')} />
        <label htmlFor={`${id}-role`}>Role</label>
        <select id={`${id}-role`} value={draft.role} onChange={set('role')}>
          {policy.roles.map((role) => (
            <option key={role}>{role}</option>
          ))}
        </select>
        <label htmlFor={`${id}-minutes`}>Duration in minutes</label>
        <input id={`${id}-minutes`} type="number" min={1} required value={draft.minutes} onChange={set('minutes')} />
        <label htmlFor={`${id}-reason`}>Reason{policy.requireReason || breakGlass ? ' (required)' : ''}</label>
        <input
          id={`${id}-reason`}
          required={policy.requireReason || breakGlass}
          value={draft.reason}
          onChange={set('reason')}
        />
        <div className="actions">
          <button type="submit" className={breakGlass ? 'danger' : 'primary'} disabled={submit.isPending}>
            {breakGlass ? 'Break glass now' : 'Send request'}
          </button>
        </div>
      </form>
      <ErrorNote error={submit.error} />
      <DryRun draft={draft} breakGlass={breakGlass} reasonRequired={policy.requireReason || breakGlass} />
    </>
  );
}

/** What the request would do, asked of the broker as the form changes (nothing is stored). */
function DryRun(props: { readonly draft: Draft; readonly breakGlass: boolean; readonly reasonRequired: boolean }) {
  const { breakGlass } = props;
  const settled = useDeferredValue(props.draft);
  // Asked only once the form is complete, so the broker is not sent what it must refuse.
  const ready =
    settled.namespace !== '' &&
    Number(settled.minutes) > 0 &&
    settled.role !== '' &&
    (!props.reasonRequired || settled.reason.trim() !== '');
  const preview = useQuery({
    queryKey: ['access', 'dry-run', settled, breakGlass],
    enabled: ready,
    queryFn: () => unwrap(broker().POST('/v1/access-requests', { body: inputOf(settled, breakGlass, true) })),
  });
  return (
    <section aria-labelledby="dry-run-title" className="preview">
      <h2 id="dry-run-title">What this request would do</h2>
      <div aria-live="polite">
        {!ready && <p className="muted">Fill in the form to see who could approve it and for how long.</p>}
        {ready && preview.isPending && <Loading what="the dry run" />}
        <ErrorNote error={preview.error} />
        {preview.data && (
          <ul>
            <li>
              Effective duration: {duration(preview.data.effectiveDurationSeconds)}
              {preview.data.effectiveDurationSeconds < preview.data.durationSeconds && ' (capped by the policy)'}
            </li>
            <li>
              {breakGlass
                ? 'Granted at once; an approver reviews it afterwards'
                : `Needs ${preview.data.approvalsRequired} approval${preview.data.approvalsRequired === 1 ? '' : 's'}`}
            </li>
            <li>Who could approve: {preview.data.eligibleApprovers.join(', ') || 'nobody at the moment'}</li>
          </ul>
        )}
      </div>
    </section>
  );
}
