import { AcceptInvitationPage } from '@gatehouse/ui';
import { useNavigate } from 'react-router';

/** An invitation to become a tenant's admin: once accepted, the tenant's connections. */
export function AcceptInvitation() {
  const navigate = useNavigate();
  return (
    <AcceptInvitationPage
      kind="tenant"
      otherPortal="/invitation"
      onAccepted={(_user, invitation) =>
        navigate(invitation.tenantId ? `/${invitation.tenantId}/integration` : '/', { replace: true })
      }
    />
  );
}
