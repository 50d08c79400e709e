import {
  Badge,
  Banner,
  Button,
  CursorPagedResult,
  DataTable,
  EmptyState,
  formatMoment,
  messageFrom,
  QueryResult,
  useCursorPages,
  useReload,
  useTRPC,
} from '@gatehouse/ui';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useApp } from '../apps/app-page';
import { type Delivery, DeliveryStatusBadge, type Endpoint, EndpointStatusBadge, eventLabel } from './labels';

/** Deliveries a page. */
const PAGE_SIZE = 25;
/** How often the log asks again while a delivery is still being tried. */
const PENDING_REFRESH_MS = 3_000;

/**
 * An endpoint's delivery log, newest first, 25 a page: each delivery's
 * event, outcome, attempts and next try, opening onto its attempts (time,
 * status or error, duration, what the endpoint answered) and its JSON body.
 * Resend sends a delivery again; Send test event adds one. While any
 * delivery shown is pending the log refreshes every few seconds.
 */
export function DeliveryLogPage() {
  const app = useApp();
  const { endpointId = '' } = useParams();
  const trpc = useTRPC();
  const list = useQuery(trpc.webhooks.list.queryOptions({ appId: app.id }));
  const back = (
    <p>
      <Link to={`/apps/${app.id}/webhooks`}>← Webhooks</Link>
    </p>
  );
  return (
    <QueryResult query={list} loading="Loading endpoint…">
      {({ endpoints }) => {
        const endpoint = endpoints.find((e) => e.id === endpointId);
        if (!endpoint)
          return (
            <>
              {back}
              <EmptyState title="Endpoint not found">
                <p className="muted">It may have been deleted.</p>
              </EmptyState>
            </>
          );
        return (
          <>
            {back}
            <DeliveryLog endpoint={endpoint} />
          </>
        );
      }}
    </QueryResult>
  );
}

function DeliveryLog({ endpoint }: { endpoint: Endpoint }) {
  const trpc = useTRPC();
  const pages = useCursorPages();
  const ids = { appId: endpoint.appId, endpointId: endpoint.id };
  const deliveries = useQuery({
    ...trpc.webhooks.deliveries.queryOptions(
      { ...ids, limit: PAGE_SIZE, ...(pages.cursor ? { cursor: pages.cursor } : {}) },
      {
        refetchInterval: (query) =>
          query.state.data?.items.some((d) => d.status === 'pending') ? PENDING_REFRESH_MS : false,
      },
    ),
    placeholderData: keepPreviousData,
  });
  const reload = useReload(
    trpc.webhooks.deliveries.queryKey(ids),
    trpc.webhooks.list.queryKey({ appId: endpoint.appId }),
  );
  const sendTest = useMutation(
    trpc.webhooks.sendTest.mutationOptions({
      onSuccess: async () => {
        pages.first();
        await reload();
      },
    }),
  );
  const active = endpoint.status === 'active';
  return (
    <>
      <div className="page-head" style={{ marginBottom: '0.5rem' }}>
        <div style={{ minWidth: 0 }}>
          <h2 style={{ marginBottom: '0.25rem' }}>Delivery log</h2>
          <p className="break" style={{ margin: 0 }}>
            <code>{endpoint.url}</code> <EndpointStatusBadge endpoint={endpoint} />
          </p>
        </div>
        <Button
          busy={sendTest.isPending}
          busyLabel="Sending…"
          disabled={!active}
          onClick={() => sendTest.mutate(ids)}
        >
          Send test event
        </Button>
      </div>
      {sendTest.isError ? <Banner kind="error">{messageFrom(sendTest.error)}</Banner> : null}
      {active ? null : (
        <Banner kind="info">
          This endpoint is disabled: enable it on the Webhooks tab to send events to it.
        </Banner>
      )}
      <p className="muted">
        Newest first. A delivery that fails is tried again, less and less often, for about a day.
        {deliveries.data?.items.some((d) => d.status === 'pending') ? (
          <span role="status"> Refreshing every few seconds while a delivery is pending.</span>
        ) : null}
      </p>
      <CursorPagedResult
        query={deliveries}
        pages={pages}
        loading="Loading deliveries…"
        empty={
          <EmptyState title="No deliveries yet">
            <p className="muted">
              Deliveries show up here once an event this endpoint subscribes to happens. Send test event to
              try the endpoint now.
            </p>
          </EmptyState>
        }
      >
        {({ items }) => (
          <div className="stack-on-phone">
            <DataTable
              caption="Deliveries, newest first"
              columns={['Time', 'Event type', 'Status', 'Attempts', 'Last HTTP status', 'Next attempt']}
              actions
            >
              {items.map((delivery) => (
                <DeliveryRows
                  key={delivery.id}
                  appId={endpoint.appId}
                  delivery={delivery}
                  active={active}
                  onResent={reload}
                />
              ))}
            </DataTable>
          </div>
        )}
      </CursorPagedResult>
    </>
  );
}

/** A delivery's row, and under it, once opened, its attempts and body. */
function DeliveryRows({
  appId,
  delivery,
  active,
  onResent,
}: {
  appId: string;
  delivery: Delivery;
  /** Resend waits for a disabled endpoint to be enabled. */
  active: boolean;
  onResent: () => Promise<unknown>;
}) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const resend = useMutation(trpc.webhooks.resend.mutationOptions({ onSuccess: onResent }));
  const detailsId = `delivery-${delivery.id}`;
  return (
    <Fragment>
      <tr>
        <td data-label="Time" className="nowrap">
          {formatMoment(delivery.createdAt)}
        </td>
        <td data-label="Event type">{eventLabel(delivery.eventType)}</td>
        <td data-label="Status">
          <DeliveryStatusBadge status={delivery.status} />
        </td>
        <td data-label="Attempts">{delivery.attempts}</td>
        <td data-label="Last HTTP status">{delivery.lastStatus ?? <span className="muted">None</span>}</td>
        <td data-label="Next attempt" className="nowrap">
          {delivery.nextAttemptAt ? (
            formatMoment(delivery.nextAttemptAt)
          ) : (
            <span className="muted">None</span>
          )}
        </td>
        <td className="wide">
          <div className="actions" style={{ flexWrap: 'nowrap' }}>
            <Button
              variant="ghost"
              aria-expanded={open}
              aria-controls={open ? detailsId : undefined}
              onClick={() => setOpen((o) => !o)}
            >
              {open ? 'Hide attempts' : 'Show attempts'}
            </Button>
            <Button
              busy={resend.isPending}
              busyLabel="Resending…"
              disabled={!active}
              onClick={() => resend.mutate({ appId, deliveryId: delivery.id })}
            >
              Resend
            </Button>
          </div>
          {resend.isError ? <p className="field-error">{messageFrom(resend.error)}</p> : null}
          {resend.isSuccess ? (
            <p className="hint" role="status">
              Sent again.
            </p>
          ) : null}
        </td>
      </tr>
      {open ? (
        <tr id={detailsId} className="delivery-details">
          <td colSpan={7} className="wide">
            <DeliveryAttempts delivery={delivery} />
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

/** Each attempt of a delivery, newest first, and the JSON body it carried. */
function DeliveryAttempts({ delivery }: { delivery: Delivery }) {
  return (
    <div className="delivery-attempts">
      <h4>Attempts</h4>
      {delivery.attemptLog.length === 0 ? (
        <p className="muted">Not tried yet.</p>
      ) : (
        <ol className="attempt-list">
          {delivery.attemptLog.map((attempt) => (
            <li key={attempt.id}>
              <div className="actions">
                <span>{formatMoment(attempt.at)}</span>
                {attempt.status !== null ? (
                  <Badge tone={attempt.status >= 200 && attempt.status < 300 ? 'good' : 'bad'}>
                    HTTP {attempt.status}
                  </Badge>
                ) : (
                  <Badge tone="bad">No answer</Badge>
                )}
                <span className="muted">{attempt.durationMs} ms</span>
              </div>
              {attempt.error ? <p className="field-error">{attempt.error}</p> : null}
              {attempt.responseExcerpt ? (
                <>
                  <div className="muted">What the endpoint answered</div>
                  <pre className="json">{attempt.responseExcerpt}</pre>
                </>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      <details>
        <summary>Body sent</summary>
        <p className="hint">
          Message id <code>{delivery.messageId}</code>: the <code>webhook-id</code> header, the same on every
          attempt, so your endpoint can tell a retry from a new event.
        </p>
        <pre className="json">{JSON.stringify(delivery.payload, null, 2)}</pre>
      </details>
    </div>
  );
}
