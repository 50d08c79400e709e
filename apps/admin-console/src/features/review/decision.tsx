import { Banner, Button, FieldError, fieldErrorsFrom, messageFrom } from '@gatehouse/ui';
import { useState } from 'react';

/** Where an answer stands: sending, or refused. */
interface Answer {
  isPending: boolean;
  error: unknown;
}

/**
 * Approve, or Reject with a required reason: the reviewer's two answers to an
 * app or a request. A refusal shows above the buttons, a refused reason under it.
 */
export function Decision({
  id,
  reasonLabel,
  approve,
  reject,
  onApprove,
  onReject,
}: {
  id: string;
  reasonLabel: string;
  approve: Answer;
  reject: Answer;
  onApprove: () => void;
  onReject: (reason: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const error = approve.error ?? reject.error;
  const reasonError = fieldErrorsFrom(reject.error).reason;
  const refusal =
    error && !fieldErrorsFrom(error).reason ? <Banner kind="error">{messageFrom(error)}</Banner> : null;
  if (!open) {
    return (
      <>
        {refusal}
        <div className="actions" style={{ marginTop: '0.75rem' }}>
          <Button variant="primary" busy={approve.isPending} busyLabel="Approving…" onClick={onApprove}>
            Approve
          </Button>
          <Button onClick={() => setOpen(true)}>Reject…</Button>
        </div>
      </>
    );
  }
  return (
    <>
      {refusal}
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
          <Button type="submit" variant="danger" busy={reject.isPending} busyLabel="Rejecting…">
            Reject
          </Button>
          <Button onClick={() => setOpen(false)}>Cancel</Button>
        </div>
      </form>
    </>
  );
}
