import { useQuery } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { broker, unwrap, type Schemas } from '../api.js';
import { ErrorNote, Loading, StatusBadge, Time } from '../components/Status.js';
import { Tabs } from '../components/Tabs.js';
import { useLiveAccessRequests } from '../live.js';
import { oneOf } from '../search.js';

const VIEWS = [
  { id: 'needs-my-review', title: 'Needs my review' },
  { id: 'mine', title: 'Mine' },
  { id: 'all', title: 'All' },
] as const;
type View = (typeof VIEWS)[number]['id'];

export function accessSearch(search: Record<string, unknown>): { view?: View } {
  return {
    view: oneOf(
      search,
      'view',
      VIEWS.map((view) => view.id),
    ),
  };
}

const route = getRouteApi('/access');

/** "2 d 3 h", "2 h 30 min" for a number of seconds. */
export function duration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  return [days ? `${days} d` : '', hours ? `${hours} h` : '', minutes || (!hours && !days) ? `${minutes} min` : '']
    .filter(Boolean)
    .join(' ');
}

export function LiveBadge() {
  const live = useLiveAccessRequests();
  return (
    <p className="muted" role="status">
      Updates: {live === 'live' ? 'live' : live === 'connecting' ? 'connecting…' : 'offline (reload to refresh)'}
    </p>
  );
}

export function AccessPage() {
  const { view = 'needs-my-review' } = route.useSearch();
  const navigate = useNavigate();
  const requests = useQuery({
    queryKey: ['access', 'list', view],
    queryFn: () => unwrap(broker().GET('/v1/access-requests', { params: { query: { view, limit: 100 } } })),
  });
  return (
    <>
      <h1>Access requests</h1>
      <LiveBadge />
      <p className="actions-left">
        <Link to="/access/new" search={{}} className="button-link">
          Request access
        </Link>
        <Link to="/access/new" search={{ breakGlass: true }} className="button-link">
          Break glass
        </Link>
      </p>
      <Tabs
        label="Inbox"
        tabs={VIEWS}
        selected={view}
        onSelect={(next) => void navigate({ to: '/access', search: { view: next } })}
      >
        {requests.isPending && <Loading what="requests" />}
        <ErrorNote error={requests.error} />
        {requests.data && <RequestTable requests={requests.data.items} view={view} />}
      </Tabs>
    </>
  );
}

function RequestTable({ requests, view }: { readonly requests: Schemas['AccessRequestView'][]; readonly view: View }) {
  return (
    <table>
      <caption>{VIEWS.find((candidate) => candidate.id === view)?.title}: requests, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Request</th>
          <th scope="col">Requester</th>
          <th scope="col">Role and scope</th>
          <th scope="col">Duration</th>
          <th scope="col">Approvals</th>
          <th scope="col">State</th>
          <th scope="col">Asked</th>
        </tr>
      </thead>
      <tbody>
        {requests.length === 0 && (
          <tr>
            <td colSpan={7}>Nothing here.</td>
          </tr>
        )}
        {requests.map((request) => (
          <tr key={request.id}>
            <td>
              <Link to="/access/$id" params={{ id: request.id }}>
                {request.breakGlass ? 'Break-glass ' : ''}request {request.id.slice(0, 8)}
              </Link>
            </td>
            <td>{request.requester}</td>
            <td>
              {request.role} on {request.namespace}/{request.namePattern}
            </td>
            <td>{duration(request.effectiveDurationSeconds)}</td>
            <td>
              {request.approvals} of {request.approvalsRequired}
            </td>
            <td>
              <StatusBadge status={request.state} />
            </td>
            <td>
              <Time value={request.createdAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
