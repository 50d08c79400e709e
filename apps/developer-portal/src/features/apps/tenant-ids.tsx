import { tenantIdSchema } from '@gatehouse/domain';
import { Button, FieldError } from '@gatehouse/ui';
import { type FormEvent, useId, useState } from 'react';

/**
 * The Tenant ID field and its Add button. Checks the format, and `isListed`
 * when given, before `onAdd`; the caller reports server refusals in `error`.
 * The field is cleared after an add, kept when `onAdd` answers false.
 */
export function TenantIdField({
  onAdd,
  isListed,
  busy,
  error,
}: {
  onAdd: (tenantId: string) => unknown;
  isListed?: (tenantId: string) => boolean;
  busy?: boolean;
  error?: string | undefined;
}) {
  const id = useId();
  const [draft, setDraft] = useState('');
  const [localError, setLocalError] = useState<string>();
  const add = async (event?: FormEvent) => {
    event?.preventDefault();
    const parsed = tenantIdSchema.safeParse(draft);
    if (!parsed.success) return setLocalError(parsed.error.issues[0]?.message);
    if (isListed?.(parsed.data)) return setLocalError(`Tenant ID ${parsed.data} is already listed`);
    setLocalError(undefined);
    if ((await onAdd(parsed.data)) !== false) setDraft('');
  };
  const shown = localError ?? error;
  return (
    <div className="inline-form">
      <div className={`field ${shown ? 'field-invalid' : ''}`}>
        <label htmlFor={id}>Tenant ID</label>
        <input
          id={id}
          inputMode="numeric"
          value={draft}
          placeholder="e.g. 985798691"
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void add();
            }
          }}
          aria-invalid={shown ? true : undefined}
          aria-describedby={shown ? `${id}-error` : undefined}
        />
        <FieldError id={`${id}-error`} message={shown} />
      </div>
      <Button onClick={() => void add()} busy={busy} busyLabel="Adding…" style={{ marginTop: '1.75rem' }}>
        Add Tenant ID
      </Button>
    </div>
  );
}

/** Tenant IDs as tags, each with its remove button. */
export function TenantIdTags({
  tenantIds,
  onRemove,
  busy,
}: {
  tenantIds: readonly string[];
  onRemove: (tenantId: string) => void;
  busy?: boolean | undefined;
}) {
  return (
    <ul className="tags" aria-label="Tenant IDs" style={{ marginTop: '0.75rem' }}>
      {tenantIds.map((tenantId) => (
        <li className="tag" key={tenantId}>
          {tenantId}
          <button
            type="button"
            onClick={() => onRemove(tenantId)}
            aria-label={`Remove Tenant ID ${tenantId}`}
            disabled={busy}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

/**
 * The few Tenant IDs of an app being registered, held in the form: removable
 * tags plus the field to add one, duplicates refused before `onAdd`.
 */
export function TenantIdsEditor({
  tenantIds,
  onAdd,
  onRemove,
  busy,
  error,
}: {
  tenantIds: readonly string[];
  onAdd: (tenantId: string) => unknown;
  onRemove: (tenantId: string) => void;
  busy?: boolean;
  error?: string | undefined;
}) {
  return (
    <div>
      <TenantIdField
        onAdd={onAdd}
        isListed={(tenantId) => tenantIds.includes(tenantId)}
        busy={busy}
        error={error}
      />
      {tenantIds.length === 0 ? (
        <p className="muted">No Tenant IDs yet: no tenant can see this app until you add one.</p>
      ) : (
        <TenantIdTags tenantIds={tenantIds} onRemove={onRemove} busy={busy} />
      )}
    </div>
  );
}
