import { useTRPC } from '@gatehouse/ui';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type CSSProperties, type KeyboardEvent, useEffect, useState } from 'react';

/** Apps offered at a time: the names that match what was typed, first ten. */
const OFFERED = 10;

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

/** `text`, once it has not changed for `ms`: a search is not sent for every key. */
function useSettled(text: string, ms = 250): string {
  const [settled, setSettled] = useState(text);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(text), ms);
    return () => clearTimeout(timer);
  }, [text, ms]);
  return settled;
}

/**
 * The audit trail's App filter for an organization with thousands of apps: a
 * combobox that searches the apps by name as one types and offers the first
 * ten; arrows move, Enter chooses, Escape closes. Typing again clears the
 * choice, so an app is filtered by only once one is chosen.
 */
export function AppPicker({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (appId: string) => void;
}) {
  const trpc = useTRPC();
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const search = useSettled(text.trim());
  const apps = useQuery({
    ...trpc.apps.list.queryOptions({ limit: OFFERED, ...(search ? { search } : {}) }),
    enabled: open,
    placeholderData: keepPreviousData,
  });
  const offered = open ? (apps.data?.items ?? []) : [];
  const listId = `${id}-options`;
  const optionId = (index: number) => `${id}-option-${index}`;

  const choose = (index: number) => {
    const app = offered[index];
    if (!app) return;
    onChange(app.id);
    setText(app.name);
    setOpen(false);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!open) setOpen(true);
      else if (offered.length)
        setActive((i) => (i + (event.key === 'ArrowDown' ? 1 : offered.length - 1)) % offered.length);
    } else if (event.key === 'Enter' && open && offered.length) {
      event.preventDefault();
      choose(active);
    } else if (event.key === 'Escape' && open) {
      event.preventDefault();
      setOpen(false);
    }
  };

  return (
    <div className="field" style={{ position: 'relative' }}>
      <label htmlFor={id}>App</label>
      <input
        id={id}
        type="text"
        role="combobox"
        aria-expanded={open && offered.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open && offered[active] ? optionId(active) : undefined}
        aria-describedby={`${id}-hint`}
        autoComplete="off"
        placeholder="All apps"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
          setOpen(true);
          if (value) onChange('');
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      <span className="sr-only" id={`${id}-hint`}>
        Type part of an app's name, then choose the app.
      </span>
      {open && offered.length > 0 ? (
        <div id={listId} role="listbox" aria-label="Apps" style={popup}>
          {offered.map((app, index) => (
            <div
              key={app.id}
              id={optionId(index)}
              role="option"
              // The input keeps the focus and names the active option (aria-activedescendant).
              tabIndex={-1}
              aria-selected={index === active}
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
    </div>
  );
}
