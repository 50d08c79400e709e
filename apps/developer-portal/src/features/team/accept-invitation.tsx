import { AcceptInvitationPage } from '@gatehouse/ui';
import { useNavigate } from 'react-router';

/** An invitation to join an organization: once accepted, its apps. */
export function AcceptInvitation() {
  const navigate = useNavigate();
  return (
    <AcceptInvitationPage
      kind="organization"
      otherPortal="/admin/invitation"
      onAccepted={() => navigate('/', { replace: true })}
    />
  );
}
