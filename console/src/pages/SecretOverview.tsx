import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { broker, describeError, unwrap, type Schemas } from '../api.js';
import { StatusBadge, Time } from '../components/Status.js';

/** How long a revealed value stays on screen before it is masked again. */
export const REVEAL_SECONDS = 30;
const MASK = '••••••••••••';

async function requestValue(secret: Schemas['SecretView'], key: string, reason: string): Promise<string> {
  const answer = await unwrap(
    broker().POST('/v1/namespaces/{namespace}/secrets/{name}/request', {
      params: { path: { namespace: secret.namespace, name: secret.name } },
      body: { keys: [key], reason },
    }),
  );
  const value = answer.values.find((entry) => entry.key === key);
  if (!value) throw new Error(`The answer held no value for ${key}`);
  return value.encoding === 'base64' ? `base64:${value.value}` : value.value;
}

export function SecretOverview({ secret }: { readonly secret: Schemas['SecretView'] }) {
  return (
    <>
      <dl className="facts">
        <dt>Type</dt>
        <dd>{secret.type}</dd>
        <dt>Current version</dt>
        <dd>{secret.currentVersion ?? '—'}</dd>
        <dt>Created</dt>
        <dd>
          <Time value={secret.createdAt} />
        </dd>
        <dt>Labels</dt>
        <dd>
          {Object.entries(secret.labels)
            .map(([key, value]) => `${key}=${value}`)
            .join(', ') || '—'}
        </dd>
        {secret.drifted && (
          <>
            <dt>Drift</dt>
            <dd>
              <StatusBadge status="drifted" /> keys {secret.driftedKeys.join(', ')} since{' '}
              <Time value={secret.driftedAt} />
            </dd>
          </>
        )}
      </dl>
      <table>
        <caption>
          Keys. Values stay masked; a reveal or a copy is a read, recorded in the audit trail, and a revealed value is
          masked again after {REVEAL_SECONDS} seconds.
        </caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {secret.keys.map((key) => (
            <KeyRow key={key} secret={secret} secretKey={key} />
          ))}
        </tbody>
      </table>
    </>
  );
}

function KeyRow({ secret, secretKey }: { readonly secret: Schemas['SecretView']; readonly secretKey: string }) {
  const queries = useQueryClient();
  const [revealed, setRevealed] = useState<string>();
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (revealed === undefined) return;
    const timer = window.setTimeout(() => {
      setRevealed(undefined);
      setStatus(`${secretKey} masked again`);
    }, REVEAL_SECONDS * 1000);
    return () => window.clearTimeout(timer);
  }, [revealed, secretKey]);

  const act = async (what: 'reveal' | 'copy') => {
    setBusy(true);
    try {
      const value = await requestValue(secret, secretKey, what === 'reveal' ? 'console: reveal' : 'console: copy');
      if (what === 'reveal') {
        setRevealed(value);
        setStatus(`${secretKey} revealed for ${REVEAL_SECONDS} seconds`);
      } else {
        await navigator.clipboard.writeText(value);
        setStatus(`${secretKey} copied to the clipboard (not shown)`);
      }
      void queries.invalidateQueries({ queryKey: ['audit'] });
    } catch (error) {
      setStatus(`Could not ${what} ${secretKey}: ${describeError(error)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <tr>
      <th scope="row">{secretKey}</th>
      <td>
        <code className="value" data-testid={`value-${secretKey}`}>
          {revealed ?? MASK}
        </code>
        <span className="sr-only">{revealed === undefined ? ' (masked)' : ''}</span>
      </td>
      <td className="row-actions">
        {revealed === undefined ? (
          <button type="button" disabled={busy} onClick={() => void act('reveal')}>
            Reveal<span className="sr-only"> {secretKey}</span>
          </button>
        ) : (
          <button type="button" onClick={() => setRevealed(undefined)}>
            Hide<span className="sr-only"> {secretKey}</span>
          </button>
        )}
        <button type="button" disabled={busy} onClick={() => void act('copy')}>
          Copy<span className="sr-only"> {secretKey}</span>
        </button>
        <span role="status" className="muted">
          {status}
        </span>
      </td>
    </tr>
  );
}
