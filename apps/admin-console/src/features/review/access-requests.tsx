import { ACCESS_ROLE_LABEL } from '@gatehouse/domain';
import {
  Banner,
  CopyableValue,
  CursorPagedResult,
  EmptyState,
  formatDateTime,
  type RouterOutputs,
  useCursorPages,
  useReload,
  useTRPC,
} from '@gatehouse/ui';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Decision } from './decision';

type AccessRequestItem = RouterOutputs['review']['accessRequests']['items'][number];

const PAGE_SIZE = 50;

/**
 * Requests for access, oldest first, 50 a page: approve (creating the account and a
 * one-time link to pass on) or reject with a reason.
 */
export function AccessRequests() {
  const trpc = useTRPC();
  const pages = useCursorPages();
  const requests = useQuery({
    ...trpc.review.accessRequests.queryOptions({
      limit: PAGE_SIZE,
      ...(pages.cursor ? { cursor: pages.cursor } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  const [issued, setIssued] = useState<{ email: string; link: string } | null>(null);
  return (
    <>
      <h1>Access requests</h1>
      {issued ? (
        <Banner kind="success">
          <strong>Account created for {issued.email}.</strong> Pass this one-time link on; it sets the
          password and works for 72 hours. It will not be shown again.
          <div className="masked" style={{ marginTop: '0.5rem' }}>
            <CopyableValue value={issued.link} testId="setup-link" copyLabel="Copy link" />
          </div>
        </Banner>
      ) : null}
      <CursorPagedResult
        query={requests}
        pages={pages}
        loading="Loading requests…"
        empty={
          <EmptyState title="No pending requests">
            <p className="muted">
              Requests sent from the Request Access page show up here to approve or reject.
            </p>
          </EmptyState>
        }
      >
        {({ items }) =>
          items.length === 0 ? (
            <p className="muted">No more pending requests on this page.</p>
          ) : (
            <ul className="card-list" aria-label="Pending access requests">
              {items.map((r) => (
                <RequestEntry
                  key={r.id}
                  request={r}
                  onApproved={(link) => setIssued({ email: r.email, link })}
                />
              ))}
            </ul>
          )
        }
      </CursorPagedResult>
    </>
  );
}

function RequestEntry({
  request,
  onApproved,
}: {
  request: AccessRequestItem;
  onApproved: (link: string) => void;
}) {
  const trpc = useTRPC();
  const refresh = useReload(trpc.review.accessRequests.pathKey());
  const approve = useMutation(
    trpc.review.approveRequest.mutationOptions({
      onSuccess: async (result) => {
        onApproved(`${window.location.origin}/set-password?token=${encodeURIComponent(result.setupToken)}`);
        await refresh();
      },
    }),
  );
  const reject = useMutation(trpc.review.rejectRequest.mutationOptions({ onSuccess: refresh }));
  return (
    <li className="card" aria-label={`Request from ${request.email}`}>
      <h2>
        {request.name} <span className="muted">&lt;{request.email}&gt;</span>
      </h2>
      <dl className="dl">
        <dt>Role wanted</dt>
        <dd>
          {ACCESS_ROLE_LABEL[request.role]}
          {request.tenantId
            ? ` of tenant ${request.tenantId}${request.tenantName ? ` (${request.tenantName})` : ' (unknown tenant)'}`
            : ''}
        </dd>
        <dt>Organization</dt>
        <dd>
          {request.organizationName}{' '}
          {request.role === 'developer' ? (
            <span className="muted">
              (
              {request.existingOrganization
                ? 'joins the existing organization as a Developer; its Owners are told'
                : 'new organization, the requester its Owner'}
              )
            </span>
          ) : null}
        </dd>
        <dt>Requested</dt>
        <dd>{formatDateTime(request.createdAt)}</dd>
      </dl>
      <Decision
        id={request.id}
        reasonLabel="Reason"
        approve={approve}
        reject={reject}
        onApprove={() => approve.mutate({ requestId: request.id })}
        onReject={(reason) => reject.mutate({ requestId: request.id, reason })}
      />
    </li>
  );
}
