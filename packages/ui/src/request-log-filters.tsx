import {
  ENVIRONMENT_LABEL,
  ENVIRONMENTS,
  fieldErrorsOf,
  type RequestLogFilters,
  requestLogFiltersSchema,
  STATUS_CLASSES,
  type StatusClass,
} from '@gatehouse/domain';
import { type FormEvent, useId, useState } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { SelectField } from './fields';
import { Button } from './primitives';

/*
 * The request log's filter bar and how its filters live in the address;
 * `RequestLog` (request-log.tsx) draws it above the calls.
 */

/** The filters as the form and the address hold them: text, the times as `datetime-local` values. */
const FILTER_NAMES = [
  'statusClass',
  'errorCode',
  'tenantId',
  'environment',
  'endpoint',
  'from',
  'to',
] as const;
type FilterName = (typeof FILTER_NAMES)[number];
type Draft = Record<FilterName, string>;

const STATUS_LABEL: Record<StatusClass, string> = {
  '2xx': 'Success (2xx)',
  '3xx': 'Redirect (3xx)',
  '4xx': 'Client error (4xx)',
  '5xx': 'Server error (5xx)',
};

/** The form's text as the filters the server takes, or the errors to show next to the fields. */
export function parseDraft(
  draft: Draft,
): { filters: RequestLogFilters } | { errors: Record<string, string> } {
  const input: Record<string, string | Date> = {};
  for (const name of FILTER_NAMES) {
    const value = draft[name].trim();
    if (!value) continue;
    // `datetime-local` values are the viewer's local time; an unreadable one is left to the schema to refuse.
    input[name] = name === 'from' || name === 'to' ? new Date(value) : value;
  }
  const parsed = requestLogFiltersSchema.safeParse(input);
  return parsed.success ? { filters: parsed.data } : { errors: fieldErrorsOf(parsed.error) };
}

/**
 * The filters in the address under `prefix` (so the log shares a page with
 * other lists without touching their parameters), and `apply`, which sets
 * them all at once as a new history entry.
 */
export function useAddressDraft(prefix: string): { applied: Draft; apply(draft: Draft): void } {
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const applied = Object.fromEntries(
    FILTER_NAMES.map((name) => [name, params.get(`${prefix}${name}`) ?? '']),
  ) as Draft;
  return {
    applied,
    apply: (draft) => {
      const next = new URLSearchParams(params);
      for (const name of FILTER_NAMES) {
        const value = draft[name].trim();
        if (value) next.set(`${prefix}${name}`, value);
        else next.delete(`${prefix}${name}`);
      }
      // The history entry's state is other lists' on the page (the pages walked to theirs): it stays.
      navigate(
        { search: next.toString() ? `?${next}` : '' },
        { preventScrollReset: true, state: location.state },
      );
    },
  };
}

export function RequestLogFilterBar({
  applied,
  appliedErrors,
  onApply,
  hideTenant,
  hideEnvironment,
  endpoints,
}: {
  applied: Draft;
  appliedErrors: Record<string, string>;
  onApply: (draft: Draft) => void;
  hideTenant: boolean;
  hideEnvironment: boolean;
  endpoints: readonly string[];
}) {
  const appliedKey = JSON.stringify(applied);
  const [draft, setDraft] = useState<Draft>(applied);
  const [draftOf, setDraftOf] = useState(appliedKey);
  const [errors, setErrors] = useState<Record<string, string> | null>(null);
  // Filters applied elsewhere (Back, Forward, a link): the form shows them.
  if (draftOf !== appliedKey) {
    setDraftOf(appliedKey);
    setDraft(applied);
    setErrors(null);
  }
  const shown = errors ?? appliedErrors;
  const id = useId();
  const change = (name: FilterName) => (value: string) => {
    setDraft((d) => ({ ...d, [name]: value }));
    setErrors((e) => {
      const { [name]: _, ...rest } = e ?? appliedErrors;
      return rest;
    });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = parseDraft(draft);
    if ('errors' in result) setErrors(result.errors);
    else {
      setErrors(null);
      onApply(draft);
    }
  };
  const field = (name: FilterName, label: string, props: Record<string, string> = {}) => (
    <div className={`field ${shown[name] ? 'field-invalid' : ''}`}>
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        value={draft[name]}
        onChange={(e) => change(name)(e.target.value)}
        aria-invalid={shown[name] ? true : undefined}
        aria-describedby={shown[name] ? `${id}-${name}-error` : undefined}
        {...props}
      />
      {shown[name] ? (
        <p className="field-error" id={`${id}-${name}-error`} role="alert">
          {shown[name]}
        </p>
      ) : null}
    </div>
  );
  return (
    <form className="card filters" onSubmit={submit} aria-label="Filter the request log" noValidate>
      <SelectField
        id={`${id}-statusClass`}
        label="Status"
        all="Every status"
        options={STATUS_CLASSES.map((c) => ({ value: c, label: STATUS_LABEL[c] }))}
        value={draft.statusClass}
        onChange={change('statusClass')}
      />
      {field('errorCode', 'Error code', { placeholder: 'e.g. invalid_token', autoComplete: 'off' })}
      {hideTenant
        ? null
        : field('tenantId', 'Tenant ID', { inputMode: 'numeric', placeholder: 'e.g. 985798691' })}
      {hideEnvironment ? null : (
        <SelectField
          id={`${id}-environment`}
          label="Environment"
          all="Both environments"
          options={ENVIRONMENTS.map((e) => ({ value: e, label: ENVIRONMENT_LABEL[e] }))}
          value={draft.environment}
          onChange={change('environment')}
        />
      )}
      {field('endpoint', 'Endpoint', {
        placeholder: 'e.g. GET /crm/v2/tenant/{tenant}/customers',
        list: `${id}-endpoints`,
        autoComplete: 'off',
      })}
      <datalist id={`${id}-endpoints`}>
        {endpoints.map((endpoint) => (
          <option key={endpoint} value={endpoint} />
        ))}
      </datalist>
      {field('from', 'From', { type: 'datetime-local' })}
      {field('to', 'To', { type: 'datetime-local' })}
      <div className="actions">
        <Button type="submit" variant="primary">
          Apply filters
        </Button>
        <Button
          onClick={() => {
            const cleared = Object.fromEntries(FILTER_NAMES.map((n) => [n, ''])) as Draft;
            setDraft(cleared);
            setErrors(null);
            onApply(cleared);
          }}
        >
          Clear
        </Button>
      </div>
    </form>
  );
}
