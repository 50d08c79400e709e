import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate, useOutletContext } from 'react-router';
import { NotificationsBell } from './notifications';
import { Banner, Button, Loading } from './primitives';
import { messageFrom, useTRPC } from './trpc';

export function useSession() {
  const trpc = useTRPC();
  return useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
}

export type SessionUser = NonNullable<ReturnType<typeof useSession>['data']>;

/** Renders children for a signed-in user allowed by `allow`; sends everyone else to sign in. */
function RequireSession({
  allow,
  deniedMessage,
  children,
}: {
  allow: (user: SessionUser) => boolean;
  deniedMessage: string;
  children: (user: SessionUser) => ReactNode;
}) {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <Loading label="Checking your session…" />;
  if (session.isError) return <Banner kind="error">{messageFrom(session.error)}</Banner>;
  if (!session.data)
    return (
      <Navigate to={`/signin?next=${encodeURIComponent(location.pathname + location.search)}`} replace />
    );
  if (!allow(session.data)) return <Banner kind="warning">{deniedMessage}</Banner>;
  return <>{children(session.data)}</>;
}

function Shell({
  productName,
  nav,
  user,
  children,
}: {
  productName: string;
  nav: { to: string; label: string }[];
  user: SessionUser;
  children: ReactNode;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSettled: () => {
        queryClient.clear();
        navigate('/signin', { replace: true });
      },
    }),
  );
  const menu = useHeaderMenu();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden>
            ◆
          </span>{' '}
          Gatehouse <span className="brand-product">{productName}</span>
        </Link>
        {/* On a phone the bell stays in the bar beside the menu button; on a wide screen it sits with the user. */}
        <div className="phone-only">
          <NotificationsBell />
        </div>
        <button
          type="button"
          ref={menu.toggleRef}
          className="btn btn-ghost menu-toggle"
          aria-expanded={menu.open}
          aria-controls={menu.id}
          onClick={() => menu.setOpen((open) => !open)}
        >
          Menu
        </button>
        <div id={menu.id} className={`topbar-menu${menu.open ? ' open' : ''}`}>
          <nav aria-label="Main">
            {/* The page open now is marked (aria-current) for screen readers and underlined. */}
            {nav.map((item) => (
              <NavLink key={item.to} to={item.to} end={item.to === '/'}>
                {item.label}
              </NavLink>
            ))}
          </nav>
          <div className="topbar-user">
            <div className="wide-only">
              <NotificationsBell />
            </div>
            <span title={user.email}>
              {user.name}
              {user.organizationName ? ` · ${user.organizationName}` : ''}
            </span>
            <Button variant="ghost" onClick={() => signOut.mutate()} busy={signOut.isPending}>
              {signOut.isPending ? 'Signing out…' : 'Sign out'}
            </Button>
          </div>
        </div>
      </header>
      <main id="main" className="content">
        {children}
      </main>
    </div>
  );
}

/**
 * The top bar's menu on a phone: the Menu button opens it, and choosing a page
 * or pressing Escape closes it (Escape hands focus back to the button). On a
 * wide screen the menu's content is always shown and the button is hidden.
 */
function useHeaderMenu() {
  const [open, setOpen] = useState(false);
  const id = useId();
  const toggleRef = useRef<HTMLButtonElement>(null);
  const location = useLocation();
  // Following any link, even to the page already open, closes the menu.
  useEffect(() => setOpen(false), [location.key]);
  useEffect(() => {
    if (!open) return;
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      toggleRef.current?.focus();
    };
    document.addEventListener('keydown', closeOnEscape);
    return () => document.removeEventListener('keydown', closeOnEscape);
  }, [open]);
  return { open, setOpen, id, toggleRef };
}

/**
 * A signed-in area of a product: checks the session, draws the top bar with
 * `nav` for the user, and hands the user to the routes below (`useSignedInUser`).
 */
export function SessionShell({
  productName,
  allow,
  deniedMessage,
  nav,
}: {
  productName: string;
  allow: (user: SessionUser) => boolean;
  deniedMessage: string;
  nav: (user: SessionUser) => { to: string; label: string }[];
}) {
  return (
    <RequireSession allow={allow} deniedMessage={deniedMessage}>
      {(user) => (
        <Shell productName={productName} nav={nav(user)} user={user}>
          <Outlet context={user} />
        </Shell>
      )}
    </RequireSession>
  );
}

/** The signed-in user, inside a `SessionShell`. */
export function useSignedInUser(): SessionUser {
  return useOutletContext<SessionUser>();
}
