import { type ButtonHTMLAttributes, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { FieldError } from './fields';

/**
 * A button; while `busy` (its action is under way) it is disabled, spins, and
 * says `busyLabel` ("Saving…") instead of its name when one is given.
 */
export function Button({
  variant = 'secondary',
  busy,
  busyLabel,
  children,
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: 'primary' | 'secondary' | 'danger' | 'ghost';
  busy?: boolean;
  busyLabel?: string;
}) {
  return (
    <button
      type="button"
      {...props}
      className={`btn btn-${variant} ${props.className ?? ''}`}
      disabled={props.disabled || busy}
      aria-busy={busy || undefined}
    >
      {busy ? <span className="spinner" aria-hidden /> : null}
      {busy && busyLabel ? busyLabel : children}
    </button>
  );
}

export function Banner({
  kind = 'info',
  children,
}: {
  kind?: 'info' | 'success' | 'error' | 'warning';
  children: ReactNode;
}) {
  return (
    <div className={`banner banner-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden /> {label}
    </div>
  );
}

/** An empty list or a missing page: `page` when it is the whole page, so its title is the page's heading. */
export function EmptyState({
  title,
  page,
  children,
}: {
  title: string;
  page?: boolean;
  children?: ReactNode;
}) {
  return (
    <div className="empty">
      {page ? <h1>{title}</h1> : <h2>{title}</h2>}
      {children}
    </div>
  );
}

/** A link to an outside page, such as an app's home page: opens apart and shows its address, broken anywhere on a phone. */
export function ExternalLink({ href }: { href: string }) {
  return (
    <a href={href} target="_blank" rel="noreferrer noopener" className="break">
      {href}
    </a>
  );
}

export function Badge({
  tone = 'neutral',
  children,
}: {
  tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info';
  children: ReactNode;
}) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <Button
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(value);
        } catch {
          // Clipboard access can be refused (insecure origin); the value stays selectable on screen.
        }
        setCopied(true);
      }}
    >
      {copied ? 'Copied' : label}
      <span className="sr-only" aria-live="polite">
        {copied ? ' to clipboard' : ''}
      </span>
    </Button>
  );
}

/** A secret-looking value: masked until revealed, always copyable. */
export function MaskedValue({ value, label }: { value: string; label: string }) {
  const [shown, setShown] = useState(false);
  return (
    <div className="masked">
      {/* biome-ignore lint/a11y/useAriaPropsSupportedByRole: the value is named for assistive technology and tests alike */}
      <code aria-label={label} data-testid="masked-value">
        {shown ? value : `${value.slice(0, 9)}${'•'.repeat(24)}`}
      </code>
      <Button variant="ghost" onClick={() => setShown((s) => !s)} aria-pressed={shown}>
        {shown ? 'Hide' : 'Reveal'}
      </Button>
      <CopyButton value={value} />
    </div>
  );
}

/**
 * A confirmation in a native modal dialog (focus is trapped and Escape
 * cancels). `confirmText`, when set, must be typed before confirming.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  confirmText,
  busy,
  busyLabel,
  error,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  confirmText?: string;
  busy?: boolean;
  /** What the confirm button says while the action runs ("Deleting…"). */
  busyLabel?: string;
  error?: string | undefined;
  onConfirm: (typed: string) => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const inputId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      setTyped('');
      dialog.showModal();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const ready = confirmText === undefined || typed.trim() === confirmText;
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${inputId}-title`}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) onConfirm(typed);
        }}
      >
        <h2 id={`${inputId}-title`}>{title}</h2>
        <div className="dialog-body">{children}</div>
        {confirmText !== undefined ? (
          <div className="field">
            <label htmlFor={inputId}>
              Type <strong>{confirmText}</strong> to confirm
            </label>
            <input
              id={inputId}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoComplete="off"
              aria-invalid={error ? true : undefined}
            />
          </div>
        ) : null}
        <FieldError message={error} />
        <div className="dialog-actions">
          <Button onClick={onCancel}>Cancel</Button>
          <Button type="submit" variant="danger" disabled={!ready} busy={busy} busyLabel={busyLabel}>
            {confirmLabel}
          </Button>
        </div>
      </form>
    </dialog>
  );
}
