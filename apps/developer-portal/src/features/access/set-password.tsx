import { newPasswordSchema } from '@gatehouse/domain';
import { Banner, Button, fieldErrorsFrom, Loading, messageFrom, TextField, useTRPC } from '@gatehouse/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';

/** The one-time link a reviewer passes on after approving a request: set a password, then you are signed in. */
export function SetPassword() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const link = useQuery(
    trpc.access.setupLink.queryOptions({ token }, { enabled: token.length > 0, retry: false }),
  );
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const setIt = useMutation(
    trpc.access.setPassword.mutationOptions({
      onSuccess: async (user) => {
        queryClient.setQueryData(trpc.auth.me.queryKey(), user);
        if (user.organizationId) navigate('/', { replace: true });
        else window.location.assign('/admin/');
      },
    }),
  );
  const errors = { ...fieldErrorsFrom(setIt.error), ...clientErrors };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = newPasswordSchema.safeParse(password);
    if (!parsed.success)
      return setClientErrors({ password: parsed.error.issues[0]?.message ?? 'Choose another password' });
    if (password !== confirm) return setClientErrors({ confirm: 'The passwords do not match' });
    setClientErrors({});
    setIt.mutate({ token, password });
  };
  if (!token || link.isError) {
    return (
      <main className="signin">
        <div className="card signin-card">
          <h1>Set your password</h1>
          <Banner kind="error">{link.isError ? messageFrom(link.error) : 'This link is incomplete.'}</Banner>
          <Link to="/signin">Go to sign in</Link>
        </div>
      </main>
    );
  }
  if (link.isPending) return <Loading label="Checking your link…" />;
  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={submit} noValidate>
        <h1>Set your password</h1>
        <p>
          Welcome, {link.data.name}. Choose a password for <strong>{link.data.email}</strong>.
        </p>
        {setIt.isError && !errors.password ? <Banner kind="error">{messageFrom(setIt.error)}</Banner> : null}
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
          hint="At least 12 characters."
        />
        <TextField
          label="Confirm password"
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={errors.confirm}
        />
        <Button type="submit" variant="primary" busy={setIt.isPending}>
          Set password and sign in
        </Button>
      </form>
    </main>
  );
}
