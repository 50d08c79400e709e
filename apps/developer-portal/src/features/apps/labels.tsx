import { APP_KIND_LABEL, type AppKind, REVIEW_STATUS_LABEL, type ReviewStatus } from '@gatehouse/domain';
import { Badge } from '@gatehouse/ui';

const REVIEW_TONE: Record<ReviewStatus, 'neutral' | 'good' | 'warn' | 'bad'> = {
  not_required: 'neutral',
  pending: 'warn',
  approved: 'good',
  rejected: 'bad',
};

export function ReviewBadge({ status }: { status: ReviewStatus }) {
  return (
    <Badge tone={REVIEW_TONE[status]}>
      {status === 'not_required' ? 'Active' : REVIEW_STATUS_LABEL[status]}
    </Badge>
  );
}

export function KindLabel({ kind }: { kind: AppKind }) {
  return <>{APP_KIND_LABEL[kind]}</>;
}
