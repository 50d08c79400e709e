import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { formatDateTime } from './format';
import { useReload, useTRPC } from './trpc';

/** The bell in the top bar: in-app notifications such as review decisions. */
export function NotificationsBell() {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const list = useQuery(trpc.notifications.list.queryOptions(undefined, { refetchInterval: 30_000 }));
  const reload = useReload(trpc.notifications.list.queryKey());
  const markRead = useMutation(trpc.notifications.markAllRead.mutationOptions({ onSuccess: reload }));
  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (
        event instanceof KeyboardEvent
          ? event.key === 'Escape'
          : !panel.current?.contains(event.target as Node)
      )
        setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);
  const unread = list.data?.unread ?? 0;
  return (
    <div className="bell" ref={panel}>
      <button
        type="button"
        className="btn btn-ghost"
        aria-expanded={open}
        aria-haspopup="true"
        onClick={() => setOpen((o) => !o)}
        aria-label={`Notifications, ${unread} unread`}
      >
        <svg
          aria-hidden
          width="16"
          height="16"
          viewBox="0 0 24 24"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinecap="round"
          strokeLinejoin="round"
        >
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.73 21a2 2 0 0 1-3.46 0" />
        </svg>
        {unread > 0 ? (
          <span className="bell-count" aria-hidden>
            {unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <section className="bell-panel" aria-label="Notifications">
          <div className="page-head" style={{ marginBottom: '0.5rem' }}>
            <strong>Notifications</strong>
            {unread > 0 ? (
              <button
                type="button"
                className="btn btn-ghost"
                disabled={markRead.isPending}
                onClick={() => markRead.mutate()}
              >
                {markRead.isPending ? 'Marking…' : 'Mark all read'}
              </button>
            ) : null}
          </div>
          {list.data?.items.length ? (
            <ul className="bell-list">
              {list.data.items.map((n) => (
                <li key={n.id} className={n.read ? undefined : 'unread'}>
                  <div>{n.message}</div>
                  <div className="muted">{formatDateTime(n.createdAt)}</div>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">
              Nothing yet. Review decisions and other news about your work show up here.
            </p>
          )}
        </section>
      ) : null}
    </div>
  );
}
