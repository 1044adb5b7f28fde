import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { broker, unwrap } from '../api.js';
import { useWhoami } from '../components/Layout.js';
import { ErrorNote, Loading, Time } from '../components/Status.js';
import { grantSource } from './Grants.js';

export function MePage() {
  const whoami = useWhoami();
  return (
    <>
      <h1>Me</h1>
      {whoami.isPending && <Loading what="your identity" />}
      <ErrorNote error={whoami.error} />
      {whoami.data && (
        <>
          <dl className="facts">
            <dt>Subject</dt>
            <dd>{whoami.data.subject}</dd>
            <dt>Also acting as</dt>
            <dd>{whoami.data.subjects.filter((subject) => subject !== whoami.data.subject).join(', ') || '—'}</dd>
          </dl>
          <table>
            <caption>Your effective grants</caption>
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Verbs</th>
                <th scope="col">Scope</th>
                <th scope="col">Source</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {whoami.data.grants.length === 0 && (
                <tr>
                  <td colSpan={5}>No grants: you may ask for access under an access policy.</td>
                </tr>
              )}
              {whoami.data.grants.map((grant) => (
                <tr key={grant.id}>
                  <td>{grant.role}</td>
                  <td>{grant.verbs.join(', ')}</td>
                  <td>
                    {grant.namespace}/{grant.namePattern}
                  </td>
                  <td>{grantSource(grant)}</td>
                  <td>{grant.expiresAt ? <Time value={grant.expiresAt} /> : 'never'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <TemporaryAccess />
        </>
      )}
    </>
  );
}

/** Access granted through requests that is still running: each can be given back early. */
function TemporaryAccess() {
  const approved = useQuery({
    queryKey: ['access', 'list', 'mine', 'approved'],
    queryFn: () =>
      unwrap(
        broker().GET('/v1/access-requests', { params: { query: { view: 'mine', state: 'approved', limit: 100 } } }),
      ),
  });
  const running = (approved.data?.items ?? []).filter((request) => request.grant?.active);
  return (
    <section aria-labelledby="temporary-title">
      <h2 id="temporary-title">Temporary access</h2>
      <ErrorNote error={approved.error} />
      {running.length === 0 ? (
        <p>None running.</p>
      ) : (
        <ul>
          {running.map((request) => (
            <li key={request.id}>
              {request.role} on {request.namespace}/{request.namePattern} until{' '}
              <Time value={request.grant?.expiresAt} /> —{' '}
              <Link to="/access/$id" params={{ id: request.id }}>
                give it back
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
