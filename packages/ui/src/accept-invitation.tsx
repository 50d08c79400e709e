import { type InvitationKind, newPasswordSchema, ORG_ROLE_LABELS, personNameSchema } from '@gatehouse/domain';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect } from 'react';
import { Link, useLocation } from 'react-router';
import { TextField } from './fields';
import { useForm } from './form';
import { formatDateTime } from './format';
import { Banner, Button, Loading } from './primitives';
import { type SessionUser, useSession } from './session';
import { SignedOutCard } from './signed-out';
import { messageFrom, type RouterOutputs, useTRPC } from './trpc';

type Invitation = RouterOutputs['team']['invitation'];

/** The one-time token of an invitation link, from its fragment (`/invitation#<token>`). */
function tokenFromHash(hash: string): string {
  try {
    return decodeURIComponent(hash.replace(/^#/, '')).trim();
  } catch {
    return '';
  }
}

function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * An invitation link's page, before or after signing in: what it invites to,
 * then a name and password for a newcomer, or signing in as the invited
 * account and Accept for someone who has one. An invitation of the other kind
 * goes to the portal that accepts it (`otherPortal`, an address outside this
 * one). `onAccepted` takes the user, signed in, onwards.
 */
export function AcceptInvitationPage({
  kind,
  otherPortal,
  onAccepted,
}: {
  kind: InvitationKind;
  otherPortal: string;
  onAccepted: (user: SessionUser, invitation: Invitation) => void;
}) {
  const trpc = useTRPC();
  const location = useLocation();
  const token = tokenFromHash(location.hash);
  // Asked with a POST (a mutation changing nothing): the token stays out of every URL proxies log.
  const invitation = useMutation(trpc.team.invitation.mutationOptions({ retry: false }));
  const preview = invitation.mutate;
  useEffect(() => {
    if (token) preview({ token });
  }, [token, preview]);
  const elsewhere = invitation.data !== undefined && invitation.data.kind !== kind;
  useEffect(() => {
    if (elsewhere) window.location.replace(`${otherPortal}#${encodeURIComponent(token)}`);
  }, [elsewhere, otherPortal, token]);
  if (!token || invitation.isError)
    return (
      <SignedOutCard title="Accept an invitation">
        <Banner kind="error">
          {invitation.isError ? messageFrom(invitation.error) : 'This link is incomplete.'}
        </Banner>
        <p className="muted">Ask the person who invited you for a new link.</p>
        <Link to="/signin">Go to sign in</Link>
      </SignedOutCard>
    );
  if (!invitation.data || elsewhere) return <Loading label="Checking your invitation…" />;
  return <Accept token={token} invitation={invitation.data} onAccepted={onAccepted} />;
}

function Accept({
  token,
  invitation,
  onAccepted,
}: {
  token: string;
  invitation: Invitation;
  onAccepted: (user: SessionUser, invitation: Invitation) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const session = useSession();
  const accept = useMutation(
    trpc.team.accept.mutationOptions({
      onSuccess: async (user) => {
        queryClient.setQueryData(trpc.auth.me.queryKey(), user);
        await queryClient.invalidateQueries();
        onAccepted(user, invitation);
      },
    }),
  );
  const title =
    invitation.kind === 'organization' ? `Join ${invitation.to}` : `Become an admin of ${invitation.to}`;
  const what =
    invitation.kind === 'organization'
      ? `to join ${invitation.to} as ${invitation.role ? ORG_ROLE_LABELS[invitation.role] : 'a member'}`
      : `to become an admin of tenant ${invitation.to}${invitation.tenantId ? ` (${invitation.tenantId})` : ''}`;
  const intro = (
    <p>
      {invitation.invitedByName ?? 'Someone'} invited <strong>{invitation.email}</strong> {what}. The link
      works until {formatDateTime(invitation.expiresAt)}.
    </p>
  );
  if (session.isPending) return <Loading label="Checking your session…" />;
  if (!invitation.hasAccount)
    return (
      <Newcomer
        title={title}
        intro={intro}
        busy={accept.isPending}
        refused={accept.error}
        onAccept={(name, password) => accept.mutate({ token, name, password })}
      />
    );
  const signedIn = session.data ?? null;
  if (signedIn && sameEmail(signedIn.email, invitation.email))
    return (
      <SignedOutCard
        title={title}
        onSubmit={(event) => {
          event.preventDefault();
          accept.mutate({ token });
        }}
      >
        {intro}
        <p>
          You are signed in as <strong>{signedIn.email}</strong>.
        </p>
        {accept.isError ? <Banner kind="error">{messageFrom(accept.error)}</Banner> : null}
        <Button type="submit" variant="primary" busy={accept.isPending}>
          Accept invitation
        </Button>
      </SignedOutCard>
    );
  return <SignInToAccept title={title} intro={intro} invitation={invitation} signedIn={signedIn} />;
}

/** Someone without an account: a name and a password make it, then accept at once. */
function Newcomer({
  title,
  intro,
  busy,
  refused,
  onAccept,
}: {
  title: string;
  intro: ReactNode;
  busy: boolean;
  refused: unknown;
  onAccept: (name: string, password: string) => void;
}) {
  const form = useForm({ name: '', password: '', confirm: '' }, { refused });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const errors: Record<string, string> = {};
    const name = personNameSchema.safeParse(form.values.name);
    if (!name.success) errors.name = name.error.issues[0]?.message ?? 'Name is required';
    const password = newPasswordSchema.safeParse(form.values.password);
    if (!password.success) errors.password = password.error.issues[0]?.message ?? 'Choose a password';
    else if (form.values.password !== form.values.confirm) errors.confirm = 'The passwords do not match';
    form.refuse(errors);
    if (Object.keys(errors).length > 0 || !name.success) return;
    onAccept(name.data, form.values.password);
  };
  const { name, password } = form.errors;
  return (
    <SignedOutCard title={title} onSubmit={submit}>
      {intro}
      <p>Your name as others will see it, and a password for your new account:</p>
      {refused && !name && !password ? <Banner kind="error">{messageFrom(refused)}</Banner> : null}
      <TextField label="Name" autoComplete="name" {...form.text('name')} autoFocus />
      <TextField
        label="Password"
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
      <Button type="submit" variant="primary" busy={busy}>
        Create account and accept
      </Button>
    </SignedOutCard>
  );
}

/** Someone with an account: signs in as the invited email here (or first out of another account). */
function SignInToAccept({
  title,
  intro,
  invitation,
  signedIn,
}: {
  title: string;
  intro: ReactNode;
  invitation: Invitation;
  signedIn: SessionUser | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: (user) => queryClient.setQueryData(trpc.auth.me.queryKey(), user),
    }),
  );
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSettled: () => queryClient.setQueryData(trpc.auth.me.queryKey(), null),
    }),
  );
  const form = useForm({ password: '' }, { refused: signIn.error });
  if (signedIn)
    return (
      <SignedOutCard title={title}>
        {intro}
        <p>
          You are signed in as <strong>{signedIn.email}</strong>. Sign out, then sign in as{' '}
          <strong>{invitation.email}</strong> to accept.
        </p>
        <Button variant="primary" onClick={() => signOut.mutate()} busy={signOut.isPending}>
          Sign out
        </Button>
      </SignedOutCard>
    );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!form.values.password) return form.refuse({ password: 'Enter your password' });
    form.refuse({});
    signIn.mutate({ email: invitation.email, password: form.values.password });
  };
  return (
    <SignedOutCard title={title} onSubmit={submit}>
      {intro}
      <p>
        <strong>{invitation.email}</strong> already has an account: sign in as it to accept.
      </p>
      {signIn.isError && !form.errors.password ? (
        <Banner kind="error">{messageFrom(signIn.error)}</Banner>
      ) : null}
      <TextField label="Email" type="email" autoComplete="username" value={invitation.email} readOnly />
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        {...form.text('password')}
        autoFocus
      />
      <Button type="submit" variant="primary" busy={signIn.isPending}>
        Sign in
      </Button>
    </SignedOutCard>
  );
}
