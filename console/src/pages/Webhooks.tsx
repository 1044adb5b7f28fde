import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { broker, unwrap } from '../api.js';
import { ErrorNote, Loading, StatusBadge, Time } from '../components/Status.js';
import { text } from '../search.js';

export function webhooksSearch(search: Record<string, unknown>): { webhook?: string } {
  return { webhook: text(search, 'webhook') };
}

const route = getRouteApi('/webhooks');

export function WebhooksPage() {
  const { webhook } = route.useSearch();
  const webhooks = useQuery({ queryKey: ['webhooks'], queryFn: () => unwrap(broker().GET('/v1/webhooks')) });
  return (
    <>
      <h1>Webhooks</h1>
      {webhooks.isPending && <Loading what="webhooks" />}
      <ErrorNote error={webhooks.error} />
      {webhooks.data && (
        <table>
          <caption>Subscriptions (deliveries are signed; never a value in a payload)</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Scope</th>
              <th scope="col">Created by</th>
              <th scope="col">Deliveries</th>
            </tr>
          </thead>
          <tbody>
            {webhooks.data.length === 0 && (
              <tr>
                <td colSpan={5}>No subscriptions.</td>
              </tr>
            )}
            {webhooks.data.map((subscription) => (
              <tr key={subscription.id}>
                <td>{subscription.url}</td>
                <td>{subscription.eventTypes.join(', ')}</td>
                <td>
                  {subscription.namespace}/{subscription.namePattern}
                </td>
                <td>{subscription.createdBy}</td>
                <td>
                  <Link to="/webhooks" search={{ webhook: subscription.id }}>
                    Deliveries<span className="sr-only"> to {subscription.url}</span>
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {webhook && <Deliveries id={webhook} />}
    </>
  );
}

function Deliveries({ id }: { readonly id: string }) {
  const queries = useQueryClient();
  const deliveries = useQuery({
    queryKey: ['deliveries', id],
    queryFn: () => unwrap(broker().GET('/v1/webhooks/{id}/deliveries', { params: { path: { id } } })),
  });
  const redeliver = useMutation({
    mutationFn: (deliveryId: string) =>
      unwrap(
        broker().POST('/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', { params: { path: { id, deliveryId } } }),
      ),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ['deliveries', id] }),
  });
  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries</h2>
      {deliveries.isPending && <Loading what="deliveries" />}
      <ErrorNote error={deliveries.error ?? redeliver.error} />
      {redeliver.isSuccess && (
        <p role="status" className="success">
          Queued for redelivery.
        </p>
      )}
      {deliveries.data && (
        <table>
          <caption>Deliveries of this subscription, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.items.length === 0 && (
              <tr>
                <td colSpan={6}>No deliveries yet.</td>
              </tr>
            )}
            {deliveries.data.items.map((delivery) => (
              <tr key={delivery.id}>
                <td>{delivery.eventType}</td>
                <td>
                  <StatusBadge status={delivery.state} />
                </td>
                <td>{delivery.attempts}</td>
                <td>{delivery.lastStatusCode ?? delivery.lastError ?? '—'}</td>
                <td>
                  <Time value={delivery.createdAt} />
                </td>
                <td>
                  <button type="button" disabled={redeliver.isPending} onClick={() => redeliver.mutate(delivery.id)}>
                    Redeliver<span className="sr-only"> {delivery.eventType}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
