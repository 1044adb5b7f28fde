import { useQuery } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { useId, useState } from 'react';
import { ApiError, broker, describeError, unwrap, type Schemas } from '../api.js';
import { Dialog } from '../components/Dialog.js';
import { ErrorNote, Loading, StatusBadge, Time } from '../components/Status.js';
import { oneOf, text } from '../search.js';
import { currentSession } from '../session.js';

const ACTIONS = [
  'read',
  'list',
  'create',
  'update',
  'rotate',
  'rollback',
  'revoke',
  'lease',
  'audit:read',
  'grants:manage',
  'webhooks:manage',
  'authenticate',
  'suspicious_activity',
  'reconcile',
  'rewrap',
  'drift',
] as const;
const OUTCOMES = ['allowed', 'denied', 'succeeded', 'failed'] as const;

export interface AuditSearch {
  since?: string;
  until?: string;
  subject?: string;
  action?: (typeof ACTIONS)[number];
  namespace?: string;
  name?: string;
  outcome?: (typeof OUTCOMES)[number];
  continue?: string;
}

export function auditSearch(search: Record<string, unknown>): AuditSearch {
  return {
    since: text(search, 'since'),
    until: text(search, 'until'),
    subject: text(search, 'subject'),
    action: oneOf(search, 'action', ACTIONS),
    namespace: text(search, 'namespace'),
    name: text(search, 'name'),
    outcome: oneOf(search, 'outcome', OUTCOMES),
    continue: text(search, 'continue'),
  };
}

const route = getRouteApi('/audit');

/** `datetime-local` works in local time without a zone; the URL keeps ISO instants. */
function toInstant(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}
function toLocal(instant: string | undefined): string {
  if (!instant) return '';
  const date = new Date(instant);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function AuditPage() {
  const search = route.useSearch();
  const { continue: cursor, ...filter } = search;
  const events = useQuery({
    queryKey: ['audit', 'log', search],
    queryFn: () =>
      unwrap(
        broker().GET('/v1/audit-events', {
          params: {
            query: {
              since: filter.since,
              until: filter.until,
              subject: filter.subject,
              verb: filter.action,
              namespace: filter.namespace,
              name: filter.name,
              outcome: filter.outcome,
              limit: 25,
              continue: cursor,
            },
          },
        }),
      ),
  });
  return (
    <>
      <h1>Audit log</h1>
      <ChainStatus />
      <AuditFilters search={filter} />
      <ExportButton since={filter.since} until={filter.until} />
      {events.isPending && <Loading what="events" />}
      <ErrorNote error={events.error} />
      {events.data && (
        <>
          <AuditTable caption="Events matching the filters, newest first" events={events.data.items} />
          <nav aria-label="Pages" className="pager">
            {cursor && (
              <Link to="/audit" search={filter}>
                First page
              </Link>
            )}
            {events.data.continue && (
              <Link to="/audit" search={{ ...filter, continue: events.data.continue }}>
                Next page
              </Link>
            )}
          </nav>
        </>
      )}
    </>
  );
}

function AuditFilters({ search }: { readonly search: AuditSearch }) {
  const navigate = useNavigate();
  const id = useId();
  const field = (name: string) => `${id}-${name}`;
  return (
    <form
      className="filters"
      aria-label="Filters"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const value = (name: string) => {
          const entry = form.get(name);
          return typeof entry === 'string' && entry.trim() !== '' ? entry.trim() : undefined;
        };
        void navigate({
          to: '/audit',
          search: auditSearch({
            since: toInstant(value('since') ?? ''),
            until: toInstant(value('until') ?? ''),
            subject: value('subject'),
            action: value('action'),
            namespace: value('namespace'),
            name: value('name'),
            outcome: value('outcome'),
          }),
        });
      }}
    >
      <div>
        <label htmlFor={field('since')}>From</label>
        <input id={field('since')} name="since" type="datetime-local" defaultValue={toLocal(search.since)} />
      </div>
      <div>
        <label htmlFor={field('until')}>Until</label>
        <input id={field('until')} name="until" type="datetime-local" defaultValue={toLocal(search.until)} />
      </div>
      <div>
        <label htmlFor={field('subject')}>Subject</label>
        <input id={field('subject')} name="subject" placeholder="user:alice" defaultValue={search.subject} />
      </div>
      <div>
        <label htmlFor={field('action')}>Action</label>
        <select id={field('action')} name="action" defaultValue={search.action ?? ''}>
          <option value="">any</option>
          {ACTIONS.map((action) => (
            <option key={action}>{action}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={field('namespace')}>Namespace</label>
        <input id={field('namespace')} name="namespace" defaultValue={search.namespace} />
      </div>
      <div>
        <label htmlFor={field('name')}>Secret</label>
        <input id={field('name')} name="name" defaultValue={search.name} />
      </div>
      <div>
        <label htmlFor={field('outcome')}>Outcome</label>
        <select id={field('outcome')} name="outcome" defaultValue={search.outcome ?? ''}>
          <option value="">any</option>
          {OUTCOMES.map((outcome) => (
            <option key={outcome}>{outcome}</option>
          ))}
        </select>
      </div>
      <div className="actions">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <Link to="/audit" search={{}}>
          Clear
        </Link>
      </div>
    </form>
  );
}

function ChainStatus() {
  const verification = useQuery({
    queryKey: ['audit', 'verify'],
    queryFn: () => unwrap(broker().GET('/v1/audit-events/verify')),
  });
  if (verification.isPending) return <Loading what="the chain status" />;
  if (verification.error) {
    const forbidden = verification.error instanceof ApiError && verification.error.status === 403;
    return (
      <p className="muted">
        Chain status:{' '}
        {forbidden ? 'only an auditor of every namespace may verify the chain' : describeError(verification.error)}
      </p>
    );
  }
  const result = verification.data;
  return (
    <p role="status" className="chain">
      Chain status: <StatusBadge status={result.ok ? 'verified' : 'broken'} />{' '}
      {result.ok
        ? `verified up to event ${result.checked}`
        : `broken at event ${result.firstBrokenId ?? '?'}: ${result.findings.map((finding) => finding.message).join('; ')}`}
      {result.checkpoint && (
        <span className="muted">
          {' '}
          (last checkpoint: {result.checkpoint.count} events, <Time value={result.checkpoint.writtenAt} />)
        </span>
      )}
    </p>
  );
}

/** Downloads the NDJSON export of the time range (the token goes in the header, never in a URL). */
function ExportButton({ since, until }: { readonly since?: string; readonly until?: string }) {
  const [error, setError] = useState<string>();
  const download = async () => {
    setError(undefined);
    const query = new URLSearchParams();
    if (since) query.set('since', since);
    if (until) query.set('until', until);
    const response = await fetch(`/v1/audit-events/export?${query.toString()}`, {
      headers: { Authorization: `Bearer ${currentSession()?.token ?? ''}` },
    });
    if (!response.ok) {
      setError(`Export refused: ${response.status}`);
      return;
    }
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = `audit-events-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`;
    link.click();
    URL.revokeObjectURL(link.href);
  };
  return (
    <p>
      <button type="button" onClick={() => void download()}>
        Export NDJSON{since || until ? ' (time range of the filters)' : ''}
      </button>
      {error && (
        <span role="alert" className="error">
          {' '}
          {error}
        </span>
      )}
    </p>
  );
}

export function AuditTable({
  caption,
  events,
}: {
  readonly caption: string;
  readonly events: Schemas['AuditEventView'][];
}) {
  const [open, setOpen] = useState<Schemas['AuditEventView']>();
  return (
    <>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Subject</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {events.length === 0 && (
            <tr>
              <td colSpan={6}>No events.</td>
            </tr>
          )}
          {events.map((event) => (
            <tr key={event.id}>
              <td>
                <Time value={event.time} />
              </td>
              <td>{event.subject}</td>
              <td>{event.action}</td>
              <td>
                {event.namespace ? `${event.namespace}/${event.name ?? '*'}` : '—'}
                {event.version !== null && ` v${event.version}`}
              </td>
              <td>
                <StatusBadge status={event.outcome} />
              </td>
              <td>
                <button type="button" onClick={() => setOpen(event)}>
                  Event {event.id}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Dialog
        title={`Audit event ${open?.id ?? ''}`}
        open={open !== undefined}
        onClose={() => setOpen(undefined)}
        drawer
      >
        {open && (
          <dl className="facts">
            {Object.entries(open).map(([key, value]) => (
              <div key={key} className="fact">
                <dt>{key}</dt>
                <dd>
                  <code>{typeof value === 'string' ? value : JSON.stringify(value)}</code>
                </dd>
              </div>
            ))}
          </dl>
        )}
      </Dialog>
    </>
  );
}
