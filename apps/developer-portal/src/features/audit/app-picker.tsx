import { type AppFieldCheck, FieldError, useDebounced, useTRPC } from '@gatehouse/ui';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { type CSSProperties, type KeyboardEvent, type RefObject, useImperativeHandle, useState } from 'react';

/** Apps offered at a time: the names that match what was typed, first ten. */
const OFFERED = 10;
/** Apps read to find the one whose whole name was typed: the most a page of apps holds. */
const EXACT_LOOKUP = 100;
const NOT_CHOSEN = 'Pick an app from the list';

const popup: CSSProperties = {
  position: 'absolute',
  top: '100%',
  left: 0,
  right: 0,
  zIndex: 10,
  margin: '0.25rem 0 0',
  padding: '0.25rem',
  background: '#fff',
  border: '1px solid var(--border)',
  borderRadius: 6,
  boxShadow: '0 8px 20px rgba(16, 24, 40, 0.15)',
  maxHeight: '16rem',
  overflowY: 'auto',
};

const optionStyle = (active: boolean): CSSProperties => ({
  padding: '0.4rem 0.6rem',
  borderRadius: 4,
  cursor: 'pointer',
  background: active ? '#eef4ff' : undefined,
});

const below: CSSProperties = { position: 'absolute', top: '100%', left: 0, marginTop: '0.2rem' };

/**
 * The audit trail's App filter for an organization with thousands of apps: a
 * combobox that searches the apps by name as one types and offers the first
 * ten; arrows move, Enter chooses, Escape closes. While a search is on its way
 * the apps of the one before are dimmed and cannot be chosen. Typing again
 * clears the choice; applying the filters with a name typed but not chosen
 * takes the app of exactly that name, or asks to pick one from the list.
 */
export function AppPicker({
  id,
  value,
  onChange,
  check,
}: {
  id: string;
  value: string;
  onChange: (appId: string) => void;
  check: RefObject<AppFieldCheck | null>;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<{ id: string; name: string } | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [error, setError] = useState('');
  const typed = text.trim();
  const search = useDebounced(typed);
  const apps = useQuery({
    ...trpc.apps.list.queryOptions({ limit: OFFERED, ...(search ? { search } : {}) }),
    enabled: open,
    placeholderData: keepPreviousData,
  });
  // An app filter that came with the address (Back, a reload): its name in the box.
  const named = useQuery({
    ...trpc.apps.get.queryOptions({ appId: value }),
    enabled: value !== '' && value !== chosen?.id,
  });
  if (value !== '' && value !== chosen?.id && named.data?.id === value) {
    setChosen({ id: value, name: named.data.name });
    setText(named.data.name);
  } else if (value === '' && chosen) {
    setChosen(null);
    setText('');
  }

  const offered = open ? (apps.data?.items ?? []) : [];
  // The offered apps answer what the box says now: only then can one be chosen.
  const ready = search === typed && apps.isSuccess && !apps.isPlaceholderData;
  const listShown = open && offered.length > 0;
  const status =
    !open || !typed ? '' : !ready ? (listShown ? '' : 'Searching…') : listShown ? '' : 'No apps match';
  const listId = `${id}-options`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const optionId = (index: number) => `${id}-option-${index}`;

  const take = (app: { id: string; name: string }) => {
    setChosen(app);
    setText(app.name);
    setError('');
    setOpen(false);
    onChange(app.id);
  };
  const choose = (index: number) => {
    const app = offered[index];
    if (ready && app) take(app);
  };

  useImperativeHandle(check, () => async () => {
    if (value) return value;
    if (!typed) return '';
    const found = await queryClient.fetchQuery(
      trpc.apps.list.queryOptions({ limit: EXACT_LOOKUP, search: typed }),
    );
    const exact = found.items.find((app) => app.name.toLowerCase() === typed.toLowerCase());
    if (exact) {
      take(exact);
      return exact.id;
    }
    setError(NOT_CHOSEN);
    setOpen(false);
    return null;
  });

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!open) setOpen(true);
      else if (offered.length)
        setActive((i) => (i + (event.key === 'ArrowDown' ? 1 : offered.length - 1)) % offered.length);
    } else if (event.key === 'Enter' && open && (listShown || (typed && !ready))) {
      // Enter on an open list chooses, and only from an answer to what is typed now; it never applies the filters.
      event.preventDefault();
      choose(active);
    } else if (event.key === 'Escape' && open) {
      event.preventDefault();
      setOpen(false);
    }
  };

  return (
    <div className={`field ${error ? 'field-invalid' : ''}`} style={{ position: 'relative' }}>
      <label htmlFor={id}>App</label>
      <input
        id={id}
        type="text"
        role="combobox"
        aria-expanded={listShown}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={listShown && offered[active] ? optionId(active) : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : hintId}
        autoComplete="off"
        placeholder="All apps"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
          setOpen(true);
          setError('');
          setChosen(null);
          if (value) onChange('');
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      <span className="sr-only" id={hintId}>
        Type part of an app's name, then choose the app.
      </span>
      {listShown ? (
        <div
          id={listId}
          role="listbox"
          aria-label="Apps"
          aria-busy={!ready}
          style={{ ...popup, opacity: ready ? 1 : 0.55 }}
        >
          {offered.map((app, index) => (
            <div
              key={app.id}
              id={optionId(index)}
              role="option"
              // The input keeps the focus and names the active option (aria-activedescendant).
              tabIndex={-1}
              aria-selected={index === active}
              aria-disabled={!ready}
              style={optionStyle(index === active)}
              // Chosen before the input's blur closes the list.
              onMouseDown={(e) => {
                e.preventDefault();
                choose(index);
              }}
            >
              {app.name}
            </div>
          ))}
        </div>
      ) : null}
      <div role="status" className={status ? 'muted' : 'sr-only'} style={status ? popup : undefined}>
        {status}
      </div>
      {error ? (
        <div style={below}>
          <FieldError id={errorId} message={error} />
        </div>
      ) : null}
    </div>
  );
}
