import { useQuery } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { useId, useState } from 'react';
import { broker, unwrap } from '../api.js';
import { useWhoami } from '../components/Layout.js';
import { ErrorNote, Loading, StatusBadge, Time } from '../components/Status.js';
import { text } from '../search.js';

export function secretsSearch(search: Record<string, unknown>): { namespace?: string; continue?: string } {
  return { namespace: text(search, 'namespace'), continue: text(search, 'continue') };
}

const route = getRouteApi('/secrets');

/** Namespaces named by the caller's grants (a `*` grant names none: the picker then takes any). */
function useKnownNamespaces(): string[] {
  const whoami = useWhoami();
  const names = (whoami.data?.grants ?? []).map((grant) => grant.namespace).filter((name) => name !== '*');
  return [...new Set(names)].sort();
}

export function SecretsPage() {
  const search = route.useSearch();
  const navigate = useNavigate();
  const known = useKnownNamespaces();
  const namespace = search.namespace ?? known[0];
  return (
    <>
      <h1>Secrets</h1>
      <NamespacePicker
        key={namespace}
        namespace={namespace}
        known={known}
        onPick={(picked) => void navigate({ to: '/secrets', search: { namespace: picked } })}
      />
      {namespace ? (
        <SecretList namespace={namespace} cursor={search.continue} />
      ) : (
        <p>Choose a namespace to see its secrets.</p>
      )}
    </>
  );
}

function NamespacePicker(props: {
  readonly namespace: string | undefined;
  readonly known: string[];
  readonly onPick: (namespace: string) => void;
}) {
  const inputId = useId();
  const listId = useId();
  const [draft, setDraft] = useState(props.namespace ?? '');
  return (
    <form
      className="inline-form"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        if (draft.trim()) props.onPick(draft.trim());
      }}
    >
      <label htmlFor={inputId}>Namespace</label>
      <input
        id={inputId}
        list={listId}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        pattern="[a-z0-9]([\-a-z0-9]*[a-z0-9])?"
        required
      />
      <datalist id={listId}>
        {props.known.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <button type="submit">Show</button>
    </form>
  );
}

function SecretList({ namespace, cursor }: { readonly namespace: string; readonly cursor: string | undefined }) {
  const list = useQuery({
    queryKey: ['secrets', namespace, cursor],
    queryFn: () =>
      unwrap(
        broker().GET('/v1/namespaces/{namespace}/secrets', {
          params: { path: { namespace }, query: { limit: 50, continue: cursor } },
        }),
      ),
  });
  if (list.isPending) return <Loading what="secrets" />;
  if (list.error) return <ErrorNote error={list.error} />;
  const items = list.data.items;
  return (
    <>
      <table>
        <caption>Secrets in {namespace} (names and key names only; values are never listed)</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Keys</th>
            <th scope="col">State</th>
            <th scope="col">Version</th>
            <th scope="col">Next rotation</th>
          </tr>
        </thead>
        <tbody>
          {items.length === 0 && (
            <tr>
              <td colSpan={5}>No secrets here that you may list.</td>
            </tr>
          )}
          {items.map((secret) => (
            <tr key={secret.name}>
              <td>
                <Link to="/secrets/$namespace/$name" params={{ namespace, name: secret.name }} search={{}}>
                  {secret.name}
                </Link>
              </td>
              <td>{secret.keys.join(', ')}</td>
              <td>
                <StatusBadge status={secret.state} /> {secret.drifted && <StatusBadge status="drifted" />}
              </td>
              <td>{secret.currentVersion ?? '—'}</td>
              <td>
                <Time value={secret.nextRotationAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav aria-label="Pages" className="pager">
        {cursor && (
          <Link to="/secrets" search={{ namespace }}>
            First page
          </Link>
        )}
        {list.data.continue && (
          <Link to="/secrets" search={{ namespace, continue: list.data.continue }}>
            Next page
          </Link>
        )}
      </nav>
    </>
  );
}
