import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useId, useState } from 'react';
import { broker, describeError, unwrap, type Schemas } from '../api.js';
import { ConfirmDialog, Dialog } from '../components/Dialog.js';
import { useWhoami } from '../components/Layout.js';
import { ErrorNote, Loading, StatusBadge, Time } from '../components/Status.js';
import { duration, LiveBadge } from './Access.js';

const route = getRouteApi('/access/$id');
type AccessRequest = Schemas['AccessRequestView'];

export function AccessDetailPage() {
  const { id } = route.useParams();
  const whoami = useWhoami();
  const request = useQuery({
    queryKey: ['access', 'request', id],
    queryFn: () => unwrap(broker().GET('/v1/access-requests/{id}', { params: { path: { id } } })),
  });
  const me = whoami.data?.subject;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/access" search={{}}>
          Access requests
        </Link>
      </p>
      <h1>
        Access request {id.slice(0, 8)} {request.data && <StatusBadge status={request.data.state} />}
      </h1>
      <LiveBadge />
      {request.isPending && <Loading what="the request" />}
      <ErrorNote error={request.error} />
      {request.data && (
        <>
          {request.data.breakGlass && (
            <p className="warning">
              Break-glass: granted at once, without approval; an approver must review it afterwards.
            </p>
          )}
          <RequestFacts request={request.data} />
          {me && <RequestActions request={request.data} me={me} />}
          <Timeline request={request.data} />
        </>
      )}
    </>
  );
}

function RequestFacts({ request }: { readonly request: AccessRequest }) {
  return (
    <dl className="facts">
      <dt>Requester</dt>
      <dd>{request.requester}</dd>
      <dt>Asks for</dt>
      <dd>
        {request.role} on {request.namespace}/{request.namePattern} (policy {request.policy})
      </dd>
      <dt>Requested duration</dt>
      <dd>{duration(request.durationSeconds)}</dd>
      <dt>Effective duration</dt>
      <dd>
        {duration(request.effectiveDurationSeconds)}
        {request.effectiveDurationSeconds < request.durationSeconds && ' (capped by the policy or an approver)'}
      </dd>
      <dt>Reason</dt>
      <dd>{request.reason ?? '—'}</dd>
      <dt>Approvals</dt>
      <dd>
        {request.approvals} of {request.approvalsRequired}
      </dd>
      <dt>Who may approve</dt>
      <dd>{request.eligibleApprovers.join(', ') || '—'}</dd>
      <dt>Grant</dt>
      <dd>
        {request.grant ? (
          <>
            <StatusBadge status={request.grant.active ? 'active' : request.grant.revokedAt ? 'revoked' : 'expired'} />{' '}
            from <Time value={request.grant.notBefore} /> until <Time value={request.grant.expiresAt} />
          </>
        ) : (
          'none yet'
        )}
      </dd>
    </dl>
  );
}

function Timeline({ request }: { readonly request: AccessRequest }) {
  const entries: { at: string; text: string }[] = [
    { at: request.createdAt, text: `${request.requester} asked${request.reason ? `: ${request.reason}` : ''}` },
    ...request.reviews.map((review) => ({
      at: review.createdAt,
      text: `${review.reviewer} ${review.decision === 'approve' ? 'approved' : 'denied'}${
        review.maxDurationSeconds ? ` (at most ${duration(review.maxDurationSeconds)})` : ''
      }${review.reason ? `: ${review.reason}` : ''}`,
    })),
    ...(request.resolvedAt
      ? [{ at: request.resolvedAt, text: `${request.state}${request.resolvedBy ? ` by ${request.resolvedBy}` : ''}` }]
      : []),
    ...(request.grant?.revokedAt
      ? [{ at: request.grant.revokedAt, text: `access given back or revoked by ${request.grant.revokedBy ?? '?'}` }]
      : []),
    ...(request.postReview
      ? [
          {
            at: request.postReview.createdAt,
            text: `post-review by ${request.postReview.reviewer}: ${request.postReview.outcome}`,
          },
        ]
      : []),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <ol className="timeline">
        {entries.map((entry, index) => (
          <li key={index}>
            <Time value={entry.at} /> — {entry.text}
          </li>
        ))}
      </ol>
    </section>
  );
}

function useRequestAction(request: AccessRequest) {
  const queries = useQueryClient();
  return () => {
    void queries.invalidateQueries({ queryKey: ['access'] });
    void queries.invalidateQueries({ queryKey: ['whoami'] });
    void queries.invalidateQueries({ queryKey: ['grants'] });
    return request.id;
  };
}

function RequestActions({ request, me }: { readonly request: AccessRequest; readonly me: string }) {
  const refresh = useRequestAction(request);
  const [dialog, setDialog] = useState<'approve' | 'deny' | 'withdraw' | 'revoke'>();
  const close = () => setDialog(undefined);
  const path = { params: { path: { id: request.id } } };
  const act = useMutation({
    mutationFn: async ({ kind, reason, cap }: { kind: NonNullable<typeof dialog>; reason: string; cap?: number }) => {
      switch (kind) {
        case 'approve':
          return unwrap(
            broker().POST('/v1/access-requests/{id}/reviews', {
              ...path,
              body: { decision: 'approve', ...(reason ? { reason } : {}), ...(cap ? { maxDurationSeconds: cap } : {}) },
            }),
          );
        case 'deny':
          return unwrap(
            broker().POST('/v1/access-requests/{id}/reviews', { ...path, body: { decision: 'deny', reason } }),
          );
        case 'withdraw':
          return unwrap(
            broker().POST('/v1/access-requests/{id}/withdraw', { ...path, body: reason ? { reason } : {} }),
          );
        case 'revoke':
          return unwrap(broker().POST('/v1/access-requests/{id}/revoke', { ...path, body: { reason } }));
      }
    },
    onSuccess: () => {
      close();
      refresh();
    },
  });
  const mine = request.requester === me;
  const pending = request.state === 'pending';
  const reviewed = request.reviews.some((review) => review.reviewer === me);
  const error = act.error ? describeError(act.error) : undefined;
  const cancel = () => {
    close();
    act.reset();
  };
  return (
    <section aria-label="Actions" className="actions-left">
      {pending && !mine && !reviewed && (
        <>
          <button type="button" className="primary" onClick={() => setDialog('approve')}>
            Approve
          </button>
          <button type="button" className="danger" onClick={() => setDialog('deny')}>
            Deny
          </button>
        </>
      )}
      {pending && mine && (
        <>
          <span className="muted">Your own request: someone else must review it.</span>
          <button type="button" onClick={() => setDialog('withdraw')}>
            Withdraw
          </button>
        </>
      )}
      {request.grant?.active && (
        <button type="button" onClick={() => setDialog('revoke')}>
          {mine ? 'Give back access' : 'Revoke access'}
        </button>
      )}
      <ApproveDialog
        open={dialog === 'approve'}
        request={request}
        busy={act.isPending}
        error={error}
        onCancel={cancel}
        onApprove={(reason, cap) => act.mutate({ kind: 'approve', reason, cap })}
      />
      <ConfirmDialog
        title="Deny this request?"
        open={dialog === 'deny'}
        confirmLabel="Deny"
        danger
        reasonRequired
        busy={act.isPending}
        error={error}
        onCancel={cancel}
        onConfirm={(reason) => act.mutate({ kind: 'deny', reason })}
      >
        <p>One denial ends the request. The requester sees your reason.</p>
      </ConfirmDialog>
      <ConfirmDialog
        title="Withdraw your request?"
        open={dialog === 'withdraw'}
        confirmLabel="Withdraw"
        busy={act.isPending}
        error={error}
        onCancel={cancel}
        onConfirm={(reason) => act.mutate({ kind: 'withdraw', reason })}
      >
        <p>The request ends; nobody can approve it any more.</p>
      </ConfirmDialog>
      <ConfirmDialog
        title={mine ? 'Give back this access?' : 'Revoke this access?'}
        open={dialog === 'revoke'}
        confirmLabel={mine ? 'Give back' : 'Revoke'}
        danger
        reasonRequired
        busy={act.isPending}
        error={error}
        onCancel={cancel}
        onConfirm={(reason) => act.mutate({ kind: 'revoke', reason })}
      >
        <p>The grant ends with the next request.</p>
      </ConfirmDialog>
    </section>
  );
}

function ApproveDialog(props: {
  readonly open: boolean;
  readonly request: AccessRequest;
  readonly busy: boolean;
  readonly error: string | undefined;
  readonly onCancel: () => void;
  readonly onApprove: (reason: string, capSeconds: number | undefined) => void;
}) {
  const id = useId();
  const { request } = props;
  return (
    <Dialog title="Approve this request?" open={props.open} onClose={props.onCancel}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const minutes = Number(form.get('minutes'));
          const reason = form.get('reason');
          props.onApprove(typeof reason === 'string' ? reason : '', minutes > 0 ? minutes * 60 : undefined);
        }}
      >
        <p>
          {request.requester} gets <strong>{request.role}</strong> on{' '}
          <strong>
            {request.namespace}/{request.namePattern}
          </strong>{' '}
          for {duration(request.effectiveDurationSeconds)} (asked: {duration(request.durationSeconds)}).
        </p>
        <label htmlFor={`${id}-minutes`}>Shorter duration in minutes (optional)</label>
        <input
          id={`${id}-minutes`}
          name="minutes"
          type="number"
          min={1}
          max={Math.floor(request.effectiveDurationSeconds / 60)}
          data-autofocus
        />
        <label htmlFor={`${id}-reason`}>Comment (optional)</label>
        <input id={`${id}-reason`} name="reason" maxLength={500} />
        {props.error && (
          <p role="alert" className="error">
            {props.error}
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={props.busy}>
            Approve
          </button>
        </div>
      </form>
    </Dialog>
  );
}
