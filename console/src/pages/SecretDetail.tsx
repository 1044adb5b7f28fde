import { useQuery } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { broker, unwrap } from '../api.js';
import { ErrorNote, Loading, StatusBadge } from '../components/Status.js';
import { Tabs } from '../components/Tabs.js';
import { oneOf } from '../search.js';
import { AuditTable } from './Audit.js';
import { SecretOverview } from './SecretOverview.js';
import { SecretRotation, SecretVersions } from './SecretVersions.js';

const TABS = [
  { id: 'overview', title: 'Overview' },
  { id: 'versions', title: 'Versions' },
  { id: 'rotation', title: 'Rotation' },
  { id: 'consumers', title: 'Consumers' },
  { id: 'activity', title: 'Activity' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function secretDetailSearch(search: Record<string, unknown>): { tab?: Tab } {
  return {
    tab: oneOf(
      search,
      'tab',
      TABS.map((tab) => tab.id),
    ),
  };
}

const route = getRouteApi('/secrets/$namespace/$name');

export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
}

export function useSecret({ namespace, name }: SecretRef) {
  return useQuery({
    queryKey: ['secret', namespace, name],
    queryFn: () =>
      unwrap(broker().GET('/v1/namespaces/{namespace}/secrets/{name}', { params: { path: { namespace, name } } })),
  });
}

export function SecretDetailPage() {
  const { namespace, name } = route.useParams();
  const { tab = 'overview' } = route.useSearch();
  const navigate = useNavigate();
  const secret = useSecret({ namespace, name });
  return (
    <>
      <p className="breadcrumb">
        <Link to="/secrets" search={{ namespace }}>
          Secrets in {namespace}
        </Link>
      </p>
      <h1>
        {name}{' '}
        {secret.data && (
          <>
            <StatusBadge status={secret.data.state} /> {secret.data.drifted && <StatusBadge status="drifted" />}
          </>
        )}
      </h1>
      {secret.isPending && <Loading what="the secret" />}
      <ErrorNote error={secret.error} />
      {secret.data && (
        <Tabs
          label="Secret"
          tabs={TABS}
          selected={tab}
          onSelect={(next) =>
            void navigate({ to: '/secrets/$namespace/$name', params: { namespace, name }, search: { tab: next } })
          }
        >
          {tab === 'overview' && <SecretOverview secret={secret.data} />}
          {tab === 'versions' && <SecretVersions namespace={namespace} name={name} />}
          {tab === 'rotation' && <SecretRotation secret={secret.data} />}
          {tab === 'consumers' && <Consumers namespace={namespace} name={name} />}
          {tab === 'activity' && <Activity namespace={namespace} name={name} />}
        </Tabs>
      )}
    </>
  );
}

function Consumers({ namespace, name }: SecretRef) {
  const consumers = useQuery({
    queryKey: ['consumers', namespace, name],
    queryFn: () =>
      unwrap(
        broker().GET('/v1/namespaces/{namespace}/secrets/{name}/consumers', { params: { path: { namespace, name } } }),
      ),
  });
  if (consumers.isPending) return <Loading what="consumers" />;
  if (consumers.error) return <ErrorNote error={consumers.error} />;
  return (
    <table>
      <caption>Workloads that use this secret (what a rotation restarts)</caption>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Name</th>
          <th scope="col">How</th>
        </tr>
      </thead>
      <tbody>
        {consumers.data.length === 0 && (
          <tr>
            <td colSpan={3}>No workload references this secret.</td>
          </tr>
        )}
        {consumers.data.map((consumer) => (
          <tr key={`${consumer.kind}/${consumer.name}`}>
            <td>{consumer.kind}</td>
            <td>{consumer.name}</td>
            <td>
              {consumer.usages
                .map((usage) =>
                  [usage.type, usage.container, usage.variable ?? usage.volume, usage.key].filter(Boolean).join(' '),
                )
                .join('; ')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Activity({ namespace, name }: SecretRef) {
  const events = useQuery({
    queryKey: ['audit', 'secret', namespace, name],
    queryFn: () => unwrap(broker().GET('/v1/audit-events', { params: { query: { namespace, name, limit: 50 } } })),
  });
  if (events.isPending) return <Loading what="activity" />;
  if (events.error) return <ErrorNote error={events.error} />;
  return <AuditTable caption={`Audit events of ${namespace}/${name}, newest first`} events={events.data.items} />;
}
