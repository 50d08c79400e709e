/**
 * Every kind of change Gatehouse records. Each committed change writes one
 * event of its kind, in the same transaction as the change (the server's
 * change feed); the audit trail names the same kinds.
 */
export const CHANGE_EVENT_TYPES = [
  'user.reviewer_added',
  'user.password_set',
  'access_request.created',
  'access_request.approved',
  'access_request.rejected',
  'app.created',
  'app.details_changed',
  'app.resubmitted',
  'app.deleted',
  'app.tenant_added',
  'app.tenant_removed',
  'app.version_created',
  'app.approved',
  'app.rejected',
  'connection.allowed',
  'connection.declined',
  'connection.upgraded',
  'connection.upgrade_declined',
  'connection.disabled',
  'connection.restored',
  'connection.secret_created',
  'connection.secret_generated',
  'connection.secret_rotated',
  'connection.secret_revoked',
  /** A short-lived access token issued in the developer portal to try the API (never the token itself). */
  'connection.integration_token_issued',
  'token.revoked',
  'resource.changed',
  /** An app × tenant × environment first refused for its rate limit in a UTC day (`data.day`). */
  'connection.rate_limited',
  'webhook.endpoint_created',
  'webhook.endpoint_changed',
  'webhook.endpoint_deleted',
  'webhook.secret_rotated',
  /** Teams: an organization's members and a tenant's admins (no secret: an invitation's token is never named). */
  'team.member_invited',
  'team.invitation_revoked',
  'team.member_joined',
  'team.member_role_changed',
  'team.member_removed',
  'tenant.admin_invited',
  'tenant.invitation_revoked',
  'tenant.admin_joined',
  'tenant.admin_removed',
] as const;
export type ChangeEventType = (typeof CHANGE_EVENT_TYPES)[number];

/** App events after which the app's key and its connections stop working. */
export const APP_ACCESS_ENDED: ReadonlySet<ChangeEventType> = new Set(['app.deleted']);
