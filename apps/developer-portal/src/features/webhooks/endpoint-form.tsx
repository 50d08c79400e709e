import {
  WEBHOOK_EVENT_LABELS,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
  webhookEventTypesSchema,
  webhookUrlSchema,
} from '@gatehouse/domain';
import { Button, FieldError, TextField } from '@gatehouse/ui';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';

export interface EndpointDraft {
  url: string;
  eventTypes: WebhookEventType[];
}

/**
 * An endpoint's URL and the event types it gets, for Add endpoint and Edit.
 * The rules the server applies are checked first, so most mistakes show
 * next to their field at once; the server's refusals (`serverErrors`) show
 * there too.
 */
export function EndpointForm({
  initial,
  submitLabel,
  busy,
  serverErrors,
  onSubmit,
  onCancel,
  onChange,
}: {
  initial: EndpointDraft;
  submitLabel: string;
  busy: boolean;
  serverErrors: Record<string, string>;
  onSubmit: (draft: EndpointDraft) => void;
  onCancel: () => void;
  /** Any change: the caller drops the last refusal, which no longer matches the form. */
  onChange: () => void;
}) {
  const [url, setUrl] = useState(initial.url);
  const [types, setTypes] = useState<WebhookEventType[]>(initial.eventTypes);
  const [found, setFound] = useState<Record<string, string>>({});
  const id = useId();
  const errors = {
    url: found.url ?? serverErrors.url,
    eventTypes: found.eventTypes ?? serverErrors.eventTypes,
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const urlCheck = webhookUrlSchema.safeParse(url);
    const typesCheck = webhookEventTypesSchema.safeParse(types);
    const next: Record<string, string> = {};
    if (!urlCheck.success) next.url = urlCheck.error.issues[0]?.message ?? 'Check the URL';
    if (!typesCheck.success) next.eventTypes = typesCheck.error.issues[0]?.message ?? 'Check the event types';
    setFound(next);
    if (Object.keys(next).length === 0) onSubmit({ url: url.trim(), eventTypes: types });
  };
  const setTypesAndClear = (next: WebhookEventType[]) => {
    setTypes(WEBHOOK_EVENT_TYPES.filter((t) => next.includes(t)));
    setFound(({ eventTypes: _, ...rest }) => rest);
    onChange();
  };
  return (
    <form onSubmit={submit} noValidate aria-label={submitLabel}>
      <TextField
        label="Endpoint URL"
        type="url"
        inputMode="url"
        autoComplete="off"
        placeholder="https://example.com/webhooks/gatehouse"
        value={url}
        onChange={(e) => {
          setUrl(e.target.value);
          setFound(({ url: _, ...rest }) => rest);
          onChange();
        }}
        error={errors.url}
        hint="An https:// address (plain http:// only to localhost, in the demo). Each event arrives as a POST with a JSON body, signed as the Standard Webhooks specification describes."
      />
      <fieldset aria-describedby={errors.eventTypes ? `${id}-types-error` : undefined}>
        <legend>Event types</legend>
        <SelectAll
          checked={types.length === WEBHOOK_EVENT_TYPES.length}
          mixed={types.length > 0 && types.length < WEBHOOK_EVENT_TYPES.length}
          onChange={(on) => setTypesAndClear(on ? [...WEBHOOK_EVENT_TYPES] : [])}
        />
        <div className="event-types">
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label className="choice" key={type}>
              <input
                type="checkbox"
                checked={types.includes(type)}
                onChange={(e) =>
                  setTypesAndClear(e.target.checked ? [...types, type] : types.filter((t) => t !== type))
                }
              />
              {WEBHOOK_EVENT_LABELS[type]}
            </label>
          ))}
        </div>
        <FieldError id={`${id}-types-error`} message={errors.eventTypes} />
      </fieldset>
      <div className="actions">
        <Button type="submit" variant="primary" busy={busy} busyLabel="Saving…">
          {submitLabel}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}

/** "Select all": ticked when every type is, half-ticked (mixed) when some are. */
function SelectAll({
  checked,
  mixed,
  onChange,
}: {
  checked: boolean;
  mixed: boolean;
  onChange: (on: boolean) => void;
}) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = mixed;
  }, [mixed]);
  return (
    <label className="choice select-all">
      <input ref={ref} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <strong>Select all</strong>
    </label>
  );
}
