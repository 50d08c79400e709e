import {
  INVITATION_TTL_HOURS,
  type InviteMemberInput,
  inviteMemberSchema,
  ORG_ROLE_LABELS,
  ORG_ROLES,
  type OrgRole,
} from '@gatehouse/domain';
import { Banner, Button, ChoiceGroup, messageFrom, TextField, useForm } from '@gatehouse/ui';
import type { FormEvent } from 'react';

const ROLE_HINTS: Record<OrgRole, string> = {
  developer: 'manages the apps',
  owner: 'also manages the team',
};

/** Invite member: an email and the role the invitation gives; errors show by their fields. */
export function InviteMemberForm({
  busy,
  refused,
  onChange,
  onCancel,
  onSubmit,
}: {
  busy: boolean;
  refused: unknown;
  onChange: () => void;
  onCancel: () => void;
  onSubmit: (input: InviteMemberInput) => void;
}) {
  const form = useForm<{ email: string; role: OrgRole }>(
    { email: '', role: 'developer' },
    { refused, onChange },
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = inviteMemberSchema.safeParse(form.values);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
      return form.refuse(errors);
    }
    form.refuse({});
    onSubmit(parsed.data);
  };
  const { email, role } = form.errors;
  return (
    <section className="card" aria-labelledby="invite-member-title">
      <h2 id="invite-member-title">Invite member</h2>
      <form onSubmit={submit} noValidate>
        {refused && !email && !role ? <Banner kind="error">{messageFrom(refused)}</Banner> : null}
        <TextField
          label="Email"
          type="email"
          autoComplete="off"
          {...form.text('email')}
          hint={`You get a one-time link to pass on to them; it works for ${INVITATION_TTL_HOURS} hours.`}
          autoFocus
        />
        <ChoiceGroup
          legend="Role"
          name="invite-role"
          options={ORG_ROLES}
          label={(option) => (
            <>
              {ORG_ROLE_LABELS[option]} <span className="muted">— {ROLE_HINTS[option]}</span>
            </>
          )}
          {...form.choice('role')}
        />
        <div className="actions" style={{ marginTop: '1rem' }}>
          <Button type="submit" variant="primary" busy={busy}>
            Create invitation
          </Button>
          <Button onClick={onCancel}>Cancel</Button>
        </div>
      </form>
    </section>
  );
}
