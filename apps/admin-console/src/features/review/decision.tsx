import { Button, FieldError } from '@gatehouse/ui';
import { useState } from 'react';

/** Approve, or Reject with a required reason: the reviewer's two answers to an app or a request. */
export function Decision({
  id,
  reasonLabel,
  approving,
  rejecting,
  reasonError,
  onApprove,
  onReject,
}: {
  id: string;
  reasonLabel: string;
  approving: boolean;
  rejecting: boolean;
  reasonError?: string | undefined;
  onApprove: () => void;
  onReject: (reason: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  if (!open) {
    return (
      <div className="actions" style={{ marginTop: '0.75rem' }}>
        <Button variant="primary" busy={approving} onClick={onApprove}>
          Approve
        </Button>
        <Button onClick={() => setOpen(true)}>Reject…</Button>
      </div>
    );
  }
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onReject(reason);
      }}
      style={{ marginTop: '0.75rem' }}
    >
      <div className="field">
        <label htmlFor={`reason-${id}`}>{reasonLabel}</label>
        <textarea
          id={`reason-${id}`}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={2000}
          aria-invalid={reasonError ? true : undefined}
          // biome-ignore lint/a11y/noAutofocus: the dialog opens to write this reason; focus belongs in it
          autoFocus
        />
        <FieldError message={reasonError} />
      </div>
      <div className="actions">
        <Button type="submit" variant="danger" busy={rejecting}>
          Reject
        </Button>
        <Button onClick={() => setOpen(false)}>Cancel</Button>
      </div>
    </form>
  );
}
