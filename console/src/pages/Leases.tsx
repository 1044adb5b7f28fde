import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { broker, describeError, unwrap, type Schemas } from '../api.js';
import { ConfirmDialog } from '../components/Dialog.js';
import { ErrorNote, Loading, StatusBadge, Time } from '../components/Status.js';

type Lease = Schemas['LeaseView'];

export function LeasesPage() {
  const queries = useQueryClient();
  const [revoking, setRevoking] = useState<Lease>();
  const leases = useQuery({
    queryKey: ['leases'],
    queryFn: () => unwrap(broker().GET('/v1/leases', { params: { query: { limit: 100 } } })),
  });
  const revoke = useMutation({
    mutationFn: (lease: Lease) => unwrap(broker().DELETE('/v1/leases/{id}', { params: { path: { id: lease.id } } })),
    onSuccess: () => {
      setRevoking(undefined);
      void queries.invalidateQueries({ queryKey: ['leases'] });
    },
  });
  return (
    <>
      <h1>Leases</h1>
      <p>Short-lived ServiceAccount tokens issued through the broker (yours, or everyone's with grants:manage).</p>
      {leases.isPending && <Loading what="leases" />}
      <ErrorNote error={leases.error} />
      {leases.data && (
        <table>
          <caption>Leases, newest first</caption>
          <thead>
            <tr>
              <th scope="col">ServiceAccount</th>
              <th scope="col">Holder</th>
              <th scope="col">State</th>
              <th scope="col">Expires</th>
              <th scope="col">Reason</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {leases.data.items.length === 0 && (
              <tr>
                <td colSpan={6}>No leases.</td>
              </tr>
            )}
            {leases.data.items.map((lease) => (
              <tr key={lease.id}>
                <td>
                  {lease.namespace}/{lease.serviceAccount}
                </td>
                <td>{lease.subject}</td>
                <td>
                  <StatusBadge status={lease.state} />
                </td>
                <td>
                  <Time value={lease.expiresAt} />
                </td>
                <td>{lease.reason ?? '—'}</td>
                <td>
                  {lease.state === 'active' && (
                    <button type="button" className="danger" onClick={() => setRevoking(lease)}>
                      Revoke<span className="sr-only"> lease of {lease.serviceAccount}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ConfirmDialog
        title="Revoke this lease?"
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
        <p>The token stops working in the cluster at once.</p>
      </ConfirmDialog>
    </>
  );
}
