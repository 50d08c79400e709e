import {
  type InviteMemberInput,
  inviteMemberSchema,
  ORG_ROLE_LABELS,
  ORG_ROLES,
  type OrgRole,
} from '@gatehouse/domain';
import { ChoiceGroup, InviteByEmailForm, type InviteCall } from '@gatehouse/ui';

const ROLE_HINTS: Record<OrgRole, string> = {
  developer: 'manages the apps',
  owner: 'also manages the team',
};

/** Invite member: an email and the role the invitation gives; errors show by their fields. */
export function InviteMemberForm(props: {
  invite: InviteCall;
  onCancel: () => void;
  onSubmit: (input: InviteMemberInput) => void;
}) {
  return (
    <InviteByEmailForm<{ email: string; role: OrgRole }, InviteMemberInput>
      {...props}
      title="Invite member"
      titleId="invite-member-title"
      initial={{ email: '', role: 'developer' }}
      check={inviteMemberSchema}
      fields={(form) => (
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
      )}
    />
  );
}
