import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent, ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { TextField } from './fields';
import { useForm } from './form';
import { Banner, Button } from './primitives';
import { messageFrom, useTRPC } from './trpc';

/**
 * The centred card of the pages before signing in, under its title: a form
 * when `onSubmit` is given (`wide` for a longer one), a plain card otherwise.
 */
export function SignedOutCard({
  title,
  onSubmit,
  wide,
  children,
}: {
  title: string;
  onSubmit?: (event: FormEvent) => void;
  wide?: boolean;
  children: ReactNode;
}) {
  const body = (
    <>
      <h1>{title}</h1>
      {children}
    </>
  );
  return (
    <main className="signin">
      {onSubmit ? (
        <form
          className={wide ? 'card' : 'card signin-card'}
          style={wide ? { width: 'min(520px, 100%)' } : undefined}
          onSubmit={onSubmit}
          noValidate
        >
          {body}
        </form>
      ) : (
        <div className="card signin-card">{body}</div>
      )}
    </main>
  );
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
  const form = useForm({ email: '', password: '' }, { refused: signIn.error });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate(form.values);
  };
  return (
    <SignedOutCard title={`Sign in to ${productName}`} onSubmit={submit}>
      {signIn.isError && !form.errors.email && !form.errors.password ? (
        <Banner kind="error">{messageFrom(signIn.error)}</Banner>
      ) : null}
      <TextField
        label="Email"
        type="email"
        autoComplete="username"
        {...form.text('email')}
        autoFocus
        required
      />
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        {...form.text('password')}
        required
      />
      <Button type="submit" variant="primary" busy={signIn.isPending} busyLabel="Signing in…">
        Sign in
      </Button>
      {footer ? <div style={{ marginTop: '1rem' }}>{footer}</div> : null}
    </SignedOutCard>
  );
}
