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

/** "3 days", "5 hours", "a few minutes": how long an app has waited for review. */
export function waitedFor(since: Date, now = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - since.getTime()) / 60_000));
  if (minutes < 60) return minutes < 2 ? 'a few minutes' : `${minutes} minutes`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} ${hours === 1 ? 'hour' : 'hours'}`;
  return `${Math.floor(hours / 24)} days`;
}
