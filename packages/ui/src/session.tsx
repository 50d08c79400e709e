import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { NotificationsBell } from './notifications';
import { Banner, Button, Loading, TextField } from './primitives';
import { fieldErrorsFrom, messageFrom, useTRPC } from './trpc';

export function useSession() {
  const trpc = useTRPC();
  return useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
}

export type SessionUser = NonNullable<ReturnType<typeof useSession>['data']>;

/** Renders children for a signed-in user allowed by `allow`; sends everyone else to sign in. */
export function RequireSession({
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

export function SignInPage({
  productName,
  home,
  footer,
}: {
  productName: string;
  home: string;
  footer?: ReactNode;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: async (user) => {
        queryClient.setQueryData(trpc.auth.me.queryKey(), user);
        await queryClient.invalidateQueries();
        const next = new URLSearchParams(location.search).get('next');
        navigate(next?.startsWith('/') && !next.startsWith('//') ? next : home, { replace: true });
      },
    }),
  );
  const errors = fieldErrorsFrom(signIn.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ email, password });
  };
  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={submit} noValidate>
        <h1>Sign in to {productName}</h1>
        {signIn.isError && !errors.email && !errors.password ? (
          <Banner kind="error">{messageFrom(signIn.error)}</Banner>
        ) : null}
        <TextField
          label="Email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.email}
          autoFocus
          required
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
          required
        />
        <Button type="submit" variant="primary" busy={signIn.isPending}>
          Sign in
        </Button>
        {footer ? <div style={{ marginTop: '1rem' }}>{footer}</div> : null}
      </form>
    </main>
  );
}

export function Shell({
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
        <nav aria-label="Main">
          {nav.map((item) => (
            <Link key={item.to} to={item.to}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="topbar-user">
          <NotificationsBell />
          <span title={user.email}>
            {user.name}
            {user.organizationName ? ` · ${user.organizationName}` : ''}
          </span>
          <Button variant="ghost" onClick={() => signOut.mutate()} busy={signOut.isPending}>
            Sign out
          </Button>
        </div>
      </header>
      <main id="main" className="content">
        {children}
      </main>
    </div>
  );
}
