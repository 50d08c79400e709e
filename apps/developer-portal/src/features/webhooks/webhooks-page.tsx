import { WEBHOOK_LIMITS } from '@gatehouse/domain';
import {
  Banner,
  Button,
  EmptyState,
  fieldErrorsFrom,
  messageFrom,
  QueryResult,
  useReload,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApp } from '../apps/app-page';
import { EndpointCard } from './endpoint-card';
import { EndpointForm } from './endpoint-form';
import { SigningSecretOnce } from './signing-secret';

/** A secret to show once, and the endpoint it signs for. */
export interface ShownSecret {
  url: string;
  secret: string;
  rotated: boolean;
}

/**
 * Webhooks: the app's endpoints, each with its status, event types and last
 * delivery, and what a developer does with one (edit, disable, rotate its
 * secret, delete, send a test event, open its delivery log); Add endpoint
 * shows the new signing secret once. The list refreshes while a delivery is
 * still being tried, so its outcome shows without a reload.
 */
export function WebhooksPage() {
  const app = useApp();
  const trpc = useTRPC();
  const list = useQuery(
    trpc.webhooks.list.queryOptions(
      { appId: app.id },
      {
        refetchInterval: (query) =>
          query.state.data?.endpoints.some((e) => e.lastDelivery?.status === 'pending') ? 5_000 : false,
      },
    ),
  );
  const [adding, setAdding] = useState(false);
  const [shown, setShown] = useState<ShownSecret | null>(null);
  const reload = useReload(trpc.webhooks.list.queryKey({ appId: app.id }));
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: async ({ endpoint, secret }) => {
        setAdding(false);
        setShown({ url: endpoint.url, secret, rotated: false });
        await reload();
      },
    }),
  );
  const count = list.data?.endpoints.length ?? 0;
  const full = count >= WEBHOOK_LIMITS.endpointsPerApp;
  const createErrors = fieldErrorsFrom(create.error);
  return (
    <>
      <div className="page-head" style={{ marginBottom: '0.5rem' }}>
        <h2 style={{ margin: 0 }}>Webhooks</h2>
        {adding ? null : (
          <Button
            variant="primary"
            disabled={full || list.isPending}
            onClick={() => {
              create.reset();
              setAdding(true);
            }}
          >
            Add endpoint
          </Button>
        )}
      </div>
      <p className="muted">
        Gatehouse tells your endpoints when tenants allow, decline, upgrade or disable this app, when
        reviewers decide on it, and more: each event once, retried for about a day if the endpoint does not
        answer with a 2xx status.
        {full ? ` This app has the most endpoints it may have (${WEBHOOK_LIMITS.endpointsPerApp}).` : null}
      </p>
      {shown ? <SigningSecretOnce {...shown} onDone={() => setShown(null)} /> : null}
      {adding ? (
        <section className="card" aria-labelledby="add-endpoint-title">
          <h2 id="add-endpoint-title">Add endpoint</h2>
          {create.isError && !createErrors.url && !createErrors.eventTypes ? (
            <Banner kind="error">{messageFrom(create.error)}</Banner>
          ) : null}
          <EndpointForm
            initial={{ url: '', eventTypes: [] }}
            submitLabel="Add endpoint"
            busy={create.isPending}
            serverErrors={createErrors}
            onChange={() => create.reset()}
            onCancel={() => setAdding(false)}
            onSubmit={(draft) => create.mutate({ appId: app.id, ...draft })}
          />
        </section>
      ) : null}
      <QueryResult
        query={list}
        loading="Loading endpoints…"
        isEmpty={(data) => data.endpoints.length === 0}
        empty={
          adding ? null : (
            <EmptyState title="No webhook endpoints yet">
              <p className="muted">Add an endpoint to hear about this app's connections as they change.</p>
            </EmptyState>
          )
        }
      >
        {({ endpoints }) => (
          <ul className="card-list" aria-label="Webhook endpoints">
            {endpoints.map((endpoint) => (
              <EndpointCard key={endpoint.id} endpoint={endpoint} onSecret={setShown} />
            ))}
          </ul>
        )}
      </QueryResult>
    </>
  );
}
