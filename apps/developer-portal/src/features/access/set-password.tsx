import { newPasswordSchema } from '@gatehouse/domain';
import {
  Banner,
  Button,
  Loading,
  messageFrom,
  SignedOutCard,
  TextField,
  useForm,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
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
  const setIt = useMutation(
    trpc.access.setPassword.mutationOptions({
      onSuccess: async (user) => {
        queryClient.setQueryData(trpc.auth.me.queryKey(), user);
        if (user.organizationId) navigate('/', { replace: true });
        else window.location.assign('/admin/');
      },
    }),
  );
  const form = useForm({ password: '', confirm: '' }, { refused: setIt.error });
  const { password, confirm } = form.values;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = newPasswordSchema.safeParse(password);
    if (!parsed.success)
      return form.refuse({ password: parsed.error.issues[0]?.message ?? 'Choose another password' });
    if (password !== confirm) return form.refuse({ confirm: 'The passwords do not match' });
    form.refuse({});
    setIt.mutate({ token, password });
  };
  if (!token || link.isError) {
    return (
      <SignedOutCard title="Set your password">
        <Banner kind="error">{link.isError ? messageFrom(link.error) : 'This link is incomplete.'}</Banner>
        <Link to="/signin">Go to sign in</Link>
      </SignedOutCard>
    );
  }
  if (link.isPending) return <Loading label="Checking your link…" />;
  return (
    <SignedOutCard title="Set your password" onSubmit={submit}>
      <p>
        Welcome, {link.data.name}. Choose a password for <strong>{link.data.email}</strong>.
      </p>
      {setIt.isError && !form.errors.password ? (
        <Banner kind="error">{messageFrom(setIt.error)}</Banner>
      ) : null}
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        {...form.text('password')}
        hint="At least 12 characters."
      />
      <TextField
        label="Confirm password"
        type="password"
        autoComplete="new-password"
        {...form.text('confirm')}
      />
      <Button type="submit" variant="primary" busy={setIt.isPending} busyLabel="Setting password…">
        Set password and sign in
      </Button>
    </SignedOutCard>
  );
}
