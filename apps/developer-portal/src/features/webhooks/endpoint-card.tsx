import { GRACE_HOURS, graceHoursSchema, type WebhookEventType } from '@gatehouse/domain';
import {
  Banner,
  Button,
  ConfirmDialog,
  fieldErrorsFrom,
  formatDateTime,
  messageFrom,
  TextField,
  useReload,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { EndpointForm } from './endpoint-form';
import { DeliveryStatusBadge, type Endpoint, EndpointStatusBadge, eventLabel } from './labels';
import type { ShownSecret } from './webhooks-page';

/**
 * One endpoint: where it points, what it gets, how its last delivery went,
 * and its actions. Rotating its secret and deleting it ask first.
 */
export function EndpointCard({
  endpoint,
  onSecret,
}: {
  endpoint: Endpoint;
  onSecret: (secret: ShownSecret) => void;
}) {
  const trpc = useTRPC();
  const titleId = useId();
  const ids = { appId: endpoint.appId, endpointId: endpoint.id };
  const reload = useReload(
    trpc.webhooks.list.queryKey({ appId: endpoint.appId }),
    trpc.webhooks.deliveries.pathKey(),
  );
  const [editing, setEditing] = useState(false);
  const [dialog, setDialog] = useState<'rotate' | 'delete' | null>(null);
  const [graceHours, setGraceHours] = useState(String(GRACE_HOURS.default));
  const [graceError, setGraceError] = useState<string | undefined>();
  const update = useMutation(
    trpc.webhooks.update.mutationOptions({
      // The form closes onto the list as saved, not as it was a moment ago.
      onSuccess: async () => {
        await reload();
        setEditing(false);
      },
    }),
  );
  const rotate = useMutation(
    trpc.webhooks.rotateSecret.mutationOptions({
      onSuccess: async ({ endpoint: rotated, secret }) => {
        setDialog(null);
        onSecret({ url: rotated.url, secret, rotated: true });
        await reload();
      },
    }),
  );
  const remove = useMutation(
    trpc.webhooks.delete.mutationOptions({
      onSuccess: async () => {
        setDialog(null);
        await reload();
      },
    }),
  );
  const sendTest = useMutation(trpc.webhooks.sendTest.mutationOptions({ onSuccess: reload }));
  const active = endpoint.status === 'active';
  const updateErrors = fieldErrorsFrom(update.error);
  const previousUntil =
    endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > Date.now()
      ? endpoint.previousSecretExpiresAt
      : null;
  const deliveryLog = `/apps/${endpoint.appId}/webhooks/${endpoint.id}`;
  return (
    <li className="card endpoint" aria-labelledby={titleId}>
      <div className="endpoint-head">
        <h3 id={titleId} className="break" style={{ margin: 0 }}>
          <code>{endpoint.url}</code>
        </h3>
        <EndpointStatusBadge endpoint={endpoint} />
      </div>
      {active && endpoint.failingSince ? (
        <Banner kind="warning">
          Deliveries have failed since {formatDateTime(endpoint.failingSince)}. Gatehouse disables the
          endpoint if they keep failing for about a day.
        </Banner>
      ) : null}
      {endpoint.disabledReason === 'failing' ? (
        <Banner kind="error">
          Gatehouse disabled this endpoint because deliveries to it failed for about a day. Fix the endpoint,
          then Enable it; new events are delivered from then on, and Resend in the delivery log sends a missed
          one again.
        </Banner>
      ) : null}
      <dl className="dl">
        <dt>Event types</dt>
        <dd>
          <ul className="tags">
            {endpoint.eventTypes.map((type) => (
              <li className="tag tag-plain" key={type}>
                {eventLabel(type)}
              </li>
            ))}
          </ul>
        </dd>
        <dt>Last delivery</dt>
        <dd data-testid="last-delivery">
          {endpoint.lastDelivery ? (
            <>
              <DeliveryStatusBadge status={endpoint.lastDelivery.status} />{' '}
              {formatDateTime(endpoint.lastDelivery.at)}
              {endpoint.lastDelivery.lastStatus !== null
                ? ` · HTTP ${endpoint.lastDelivery.lastStatus}`
                : null}
            </>
          ) : (
            <span className="muted">None yet</span>
          )}
        </dd>
        <dt>Signing secret</dt>
        <dd>
          <code>{endpoint.secretStart}…</code>
          {previousUntil ? (
            <span className="muted">
              {' '}
              · the previous secret also signs until {formatDateTime(previousUntil)}
            </span>
          ) : null}
        </dd>
      </dl>
      {editing ? (
        <div className="endpoint-edit">
          {update.isError && !updateErrors.url && !updateErrors.eventTypes ? (
            <Banner kind="error">{messageFrom(update.error)}</Banner>
          ) : null}
          <EndpointForm
            initial={{ url: endpoint.url, eventTypes: endpoint.eventTypes as WebhookEventType[] }}
            submitLabel="Save endpoint"
            busy={update.isPending}
            serverErrors={updateErrors}
            onChange={() => update.reset()}
            onCancel={() => setEditing(false)}
            onSubmit={(draft) => update.mutate({ ...ids, ...draft })}
          />
        </div>
      ) : (
        <>
          {update.isError ? <Banner kind="error">{messageFrom(update.error)}</Banner> : null}
          {sendTest.isError ? <Banner kind="error">{messageFrom(sendTest.error)}</Banner> : null}
          {sendTest.data ? (
            <Banner kind="info">
              Test event sent. <Link to={deliveryLog}>See how it went in the delivery log.</Link>
            </Banner>
          ) : null}
          <div className="actions">
            <Link className="btn" to={deliveryLog}>
              Delivery log
            </Link>
            <Button
              onClick={() => {
                update.reset();
                setEditing(true);
              }}
            >
              Edit
            </Button>
            <Button
              busy={update.isPending}
              busyLabel="Saving…"
              onClick={() => update.mutate({ ...ids, enabled: !active })}
            >
              {active ? 'Disable' : 'Enable'}
            </Button>
            <Button
              onClick={() => {
                rotate.reset();
                setGraceHours(String(GRACE_HOURS.default));
                setGraceError(undefined);
                setDialog('rotate');
              }}
            >
              Rotate secret
            </Button>
            <Button
              busy={sendTest.isPending}
              busyLabel="Sending…"
              disabled={!active}
              onClick={() => sendTest.mutate(ids)}
            >
              Send test event
            </Button>
            <Button
              variant="danger"
              onClick={() => {
                remove.reset();
                setDialog('delete');
              }}
            >
              Delete
            </Button>
          </div>
        </>
      )}
      <ConfirmDialog
        open={dialog === 'rotate'}
        title="Rotate the signing secret?"
        confirmLabel="Rotate secret"
        busy={rotate.isPending}
        busyLabel="Rotating…"
        error={
          rotate.isError && !fieldErrorsFrom(rotate.error).graceHours ? messageFrom(rotate.error) : undefined
        }
        onCancel={() => setDialog(null)}
        onConfirm={() => {
          // An emptied field is not 0 hours: the rule's own message says what to enter.
          const checked = graceHoursSchema.safeParse(
            graceHours.trim() === '' ? undefined : Number(graceHours),
          );
          if (checked.success) rotate.mutate({ ...ids, graceHours: checked.data });
          else setGraceError(checked.error.issues[0]?.message);
        }}
      >
        <p>
          Gatehouse makes a new signing secret for <code className="break">{endpoint.url}</code> and shows it
          once. During the grace period deliveries carry signatures made with both secrets, so your endpoint
          can switch without missing one.
        </p>
        <TextField
          label="Grace period for the current secret (hours)"
          type="number"
          min={0}
          max={GRACE_HOURS.max}
          value={graceHours}
          onChange={(e) => {
            setGraceHours(e.target.value);
            setGraceError(undefined);
            rotate.reset();
          }}
          error={graceError ?? fieldErrorsFrom(rotate.error).graceHours}
          hint={`0 ends the current secret at once; at most ${GRACE_HOURS.max} hours (30 days).`}
        />
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'delete'}
        title="Delete this endpoint?"
        confirmLabel="Delete endpoint"
        busy={remove.isPending}
        busyLabel="Deleting…"
        error={remove.isError ? messageFrom(remove.error) : undefined}
        onCancel={() => setDialog(null)}
        onConfirm={() => remove.mutate(ids)}
      >
        <p>
          Gatehouse stops sending events to <code className="break">{endpoint.url}</code> and forgets its
          delivery log and signing secret. This cannot be undone.
        </p>
      </ConfirmDialog>
    </li>
  );
}
