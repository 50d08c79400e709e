import {
  ACCESS_ROLES,
  APP_KINDS,
  CONNECTION_STATUSES,
  CREDENTIALS_MODES,
  DELIVERY_STATUSES,
  ENVIRONMENTS,
  INVITATION_KINDS,
  ORG_ROLES,
  REVIEW_STATUSES,
  WEBHOOK_DISABLED_REASONS,
  WEBHOOK_STATUSES,
} from '@gatehouse/domain';
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

const id = () => p.uuid().primary();
const createdAt = () => p.datetime().onCreate(() => new Date());
/**
 * A moment a keyset list sorts by: milliseconds, as its page cursors keep them
 * (PostgreSQL would otherwise keep microseconds a cursor cannot name).
 */
const sortedMoment = () => p.datetime().length(3);

export const Organization = defineEntity({
  name: 'Organization',
  properties: {
    id: id(),
    name: p.string().length(100).unique(),
    createdAt: createdAt(),
  },
});

export const User = defineEntity({
  name: 'User',
  tableName: 'app_user',
  properties: {
    id: id(),
    email: p.string().length(254).unique(),
    name: p.string().length(100),
    passwordHash: p.string().length(200).hidden(),
    /** A developer is a member of exactly one organization. */
    organization: () => p.manyToOne(Organization).nullable(),
    /** The member's role in `organization`: set exactly when it is. */
    orgRole: p.enum([...ORG_ROLES]).nullable(),
    isReviewer: p.boolean().default(false),
    createdAt: createdAt(),
  },
});

export const Session = defineEntity({
  name: 'Session',
  properties: {
    id: id(),
    /** SHA-256 of the cookie token: the token itself is never stored. */
    tokenHash: p.string().length(64).unique(),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    createdAt: createdAt(),
    expiresAt: p.datetime(),
  },
});

export const LoginFailure = defineEntity({
  name: 'LoginFailure',
  properties: {
    id: id(),
    /** `account:<email>` or `client:<address>`: what the failure counts against. */
    subject: p.string().length(300),
    at: p.datetime(),
  },
  indexes: [{ properties: ['subject', 'at'] }],
});

export const Tenant = defineEntity({
  name: 'Tenant',
  properties: {
    /** The numeric Tenant ID, kept as text: it is an identifier, not a quantity. */
    id: p.string().length(18).primary(),
    name: p.string().length(100),
  },
});

export const TenantAdmin = defineEntity({
  name: 'TenantAdmin',
  properties: {
    id: id(),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    tenant: () => p.manyToOne(Tenant),
  },
  uniques: [{ properties: ['user', 'tenant'] }],
});

export const App = defineEntity({
  name: 'App',
  properties: {
    id: id(),
    organization: () => p.manyToOne(Organization),
    name: p.string().length(100),
    homePageUrl: p.string().length(2048),
    /** What tenants see: set by a reviewer's approval, or by every edit of a never-approved private app; null until then. */
    listedName: p.string().length(100).nullable(),
    listedHomePageUrl: p.string().length(2048).nullable(),
    kind: p.enum([...APP_KINDS]),
    credentialsMode: p.enum([...CREDENTIALS_MODES]),
    reviewStatus: p.enum([...REVIEW_STATUSES]),
    reviewReason: p.text().nullable(),
    /** When the app last entered the review queue: the queue is served oldest first. */
    submittedAt: sortedMoment().nullable(),
    reviewedAt: p.datetime().nullable(),
    reviewedBy: () => p.manyToOne(User).nullable(),
    /** When a reviewer first approved the app; null while never approved. A listed identity alone does not say so. */
    firstApprovedAt: p.datetime().nullable(),
    /** Identifies the app on every API call; shown to its developers, kept after deletion for auditors. */
    appKey: p.string().length(64).unique(),
    /** Number of the newest version: contiguous, as racing saves retry on the revision below. */
    latestVersion: p.integer(),
    /** Optimistic lock: every update the ORM makes bumps it, so of two saves read from one state exactly one lands. */
    revision: p.integer().version(),
    createdBy: () => p.manyToOne(User),
    createdAt: sortedMoment().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    deletedAt: p.datetime().nullable(),
  },
  indexes: [
    // My Apps: an organization's live apps, newest first (partial: deleted apps are never listed).
    {
      name: 'app_organization_live_index',
      properties: ['organization', 'createdAt', 'id'],
      expression:
        'create index "app_organization_live_index" on "app" ("organization_id", "created_at", "id") where "deleted_at" is null',
    },
    // The review queue, oldest first.
    { properties: ['reviewStatus', 'submittedAt', 'id'] },
    // Connect New App walks apps by the name tenants see, in any letter case; the query repeats this expression exactly.
    {
      name: 'app_tenant_facing_name_index',
      expression:
        'create index app_tenant_facing_name_index on app (lower(case when listed_name is not null and listed_home_page_url is not null then listed_name else name end), id)',
    },
  ],
});

export const AppTenant = defineEntity({
  name: 'AppTenant',
  properties: {
    id: id(),
    app: () => p.manyToOne(App).deleteRule('cascade'),
    tenantId: p.string().length(18),
    addedAt: createdAt(),
  },
  uniques: [{ properties: ['app', 'tenantId'] }],
  indexes: [{ properties: ['tenantId', 'app'] }, { properties: ['app', 'addedAt', 'tenantId'] }],
});

export const AppVersion = defineEntity({
  name: 'AppVersion',
  properties: {
    id: id(),
    app: () => p.manyToOne(App).deleteRule('cascade'),
    number: p.integer(),
    scopes: p.json<string[]>(),
    createdBy: () => p.manyToOne(User),
    createdAt: createdAt(),
  },
  uniques: [{ properties: ['app', 'number'] }],
});

/**
 * Who did what, when, with before and after. Plain id columns rather than
 * foreign keys: the trail must outlive whatever it describes.
 */
export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  properties: {
    id: id(),
    at: sortedMoment(),
    actorId: p.string().length(36).nullable(),
    actorEmail: p.string().length(254).nullable(),
    action: p.string().length(64),
    organizationId: p.string().length(36).nullable(),
    appId: p.string().length(36).nullable(),
    tenantId: p.string().length(18).nullable(),
    before: p.json<unknown>().nullable(),
    after: p.json<unknown>().nullable(),
  },
  // Each filter of the trail reads its own index newest first; the actor's and the action's are
  // in the "C" collation on PostgreSQL (in the migration), so that a prefix is a plain range.
  indexes: [
    { properties: ['organizationId', 'at', 'id'] },
    { properties: ['appId', 'at', 'id'] },
    { properties: ['tenantId', 'at', 'id'] },
    { properties: ['actorEmail', 'at', 'id'] },
    { properties: ['action', 'at', 'id'] },
    { properties: ['at', 'id'] },
  ],
});

/** One app × one tenant × one environment. No row means "not connected yet". */
export const Connection = defineEntity({
  name: 'Connection',
  properties: {
    id: id(),
    app: () => p.manyToOne(App),
    tenant: () => p.manyToOne(Tenant),
    environment: p.enum([...ENVIRONMENTS]),
    status: p.enum([...CONNECTION_STATUSES]),
    /** The version whose scopes are in play; null while never allowed. */
    acceptedVersion: p.integer().nullable(),
    /** The newest version the admin declined to upgrade to. */
    declinedVersion: p.integer().nullable(),
    /** Public identifier of the connection's client credentials; set on first Allow. */
    clientId: p.string().length(64).nullable().unique(),
    /**
     * Who issues this connection's client credentials: the app's mode when the
     * connection was allowed, never changed by a later switch of the app's mode.
     */
    credentialsIssuer: p.enum([...CREDENTIALS_MODES]).default('tenant_admin'),
    /**
     * Optimistic lock: every update the ORM makes bumps it (the batched last-use
     * stamps do not), so a change made from a stale state is refused, never lost.
     */
    revision: p.integer().version(),
    createdAt: createdAt(),
    updatedAt: sortedMoment().onCreate(() => new Date()),
    updatedBy: () => p.manyToOne(User).nullable(),
    /** Written in batches by the usage recorder, not on every call. */
    lastTokenAt: p.datetime().nullable(),
    lastCallAt: p.datetime().nullable(),
  },
  uniques: [{ properties: ['app', 'tenant', 'environment'] }],
  indexes: [{ properties: ['tenant', 'environment', 'updatedAt', 'id'] }],
});

/** A client secret: only its SHA-256 and a visible start are kept. */
export const ClientSecret = defineEntity({
  name: 'ClientSecret',
  properties: {
    id: id(),
    connection: () => p.manyToOne(Connection).deleteRule('cascade'),
    secretHash: p.string().length(64).unique(),
    start: p.string().length(16),
    createdAt: createdAt(),
    createdBy: () => p.manyToOne(User),
    /** Set when a rotation gives this secret a grace period. */
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
  },
  indexes: [{ properties: ['connection', 'createdAt'] }],
});

/** Keys that sign access tokens; the newest active one signs, all unexpired ones verify (rotation by `kid`). */
export const SigningKey = defineEntity({
  name: 'SigningKey',
  properties: {
    kid: p.string().length(64).primary(),
    algorithm: p.string().length(16),
    publicJwk: p.json<Record<string, unknown>>(),
    privateJwk: p.json<Record<string, unknown>>().hidden(),
    createdAt: createdAt(),
    retiredAt: p.datetime().nullable(),
  },
});

/** Access tokens revoked before they expire (RFC 7009); rows past `expiresAt` can be purged. */
export const RevokedToken = defineEntity({
  name: 'RevokedToken',
  properties: {
    jti: p.string().length(64).primary(),
    connection: () => p.manyToOne(Connection).deleteRule('cascade'),
    expiresAt: p.datetime(),
    revokedAt: createdAt(),
  },
  indexes: [{ properties: ['connection', 'expiresAt'] }],
});

/** API calls per day × app × tenant × environment × endpoint × outcome, summed in batches. */
export const UsageDaily = defineEntity({
  name: 'UsageDaily',
  properties: {
    id: id(),
    day: p.string().length(10),
    appId: p.string().length(36),
    tenantId: p.string().length(18),
    environment: p.enum([...ENVIRONMENTS]),
    endpoint: p.string().length(120),
    outcome: p.string().length(3),
    calls: p.integer(),
  },
  uniques: [{ properties: ['appId', 'day', 'tenantId', 'environment', 'endpoint', 'outcome'] }],
  /**
   * The usage report's lines by tenant, environment and endpoint, read in this
   * order, of all endpoints or of one (outcome and calls make them covering).
   */
  indexes: [
    {
      name: 'usage_daily_app_lines_index',
      properties: ['appId', 'tenantId', 'environment', 'endpoint', 'day', 'outcome', 'calls'],
    },
    {
      name: 'usage_daily_app_endpoint_lines_index',
      properties: ['appId', 'endpoint', 'tenantId', 'environment', 'day', 'outcome', 'calls'],
    },
  ],
});

/**
 * API calls per day × app × environment × endpoint × outcome: UsageDaily
 * without the tenant, added to with the same batches in the same transaction,
 * so that an app's chart and its endpoints are a few hundred rows to read
 * whatever the number of tenants calling it.
 */
export const UsageAppDaily = defineEntity({
  name: 'UsageAppDaily',
  properties: {
    appId: p.string().length(36).primary(),
    day: p.string().length(10).primary(),
    environment: p.enum([...ENVIRONMENTS]).primary(),
    endpoint: p.string().length(120).primary(),
    outcome: p.string().length(3).primary(),
    calls: p.integer(),
  },
});

/** The demo data behind the resource API: one record of one resource of one tenant in one environment. */
export const ResourceRecord = defineEntity({
  name: 'ResourceRecord',
  properties: {
    pk: id(),
    tenantId: p.string().length(18),
    environment: p.enum([...ENVIRONMENTS]),
    resource: p.string().length(64),
    recordId: p.integer(),
    data: p.json<Record<string, unknown>>(),
    modifiedOn: p.datetime(),
  },
  uniques: [{ properties: ['tenantId', 'environment', 'resource', 'recordId'] }],
});

/** An in-app message to a user, e.g. that a reviewer approved or rejected their app. */
export const Notification = defineEntity({
  name: 'Notification',
  properties: {
    id: id(),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    appId: p.string().length(36).nullable(),
    message: p.string().length(2500),
    createdAt: createdAt(),
    readAt: p.datetime().nullable(),
  },
  indexes: [{ properties: ['user', 'createdAt'] }],
});

/** Someone asking for an account, decided by a reviewer. */
export const AccessRequest = defineEntity({
  name: 'AccessRequest',
  properties: {
    id: id(),
    name: p.string().length(100),
    email: p.string().length(254),
    organizationName: p.string().length(100),
    role: p.enum([...ACCESS_ROLES]),
    tenantId: p.string().length(18).nullable(),
    status: p.enum(['pending', 'approved', 'rejected']),
    reason: p.text().nullable(),
    createdAt: sortedMoment().onCreate(() => new Date()),
    decidedAt: p.datetime().nullable(),
    decidedBy: () => p.manyToOne(User).nullable(),
    user: () => p.manyToOne(User).nullable(),
  },
  indexes: [{ properties: ['status', 'createdAt', 'id'] }],
});

/** A one-time link to set a password: only its SHA-256 is kept. */
export const PasswordSetup = defineEntity({
  name: 'PasswordSetup',
  properties: {
    id: id(),
    tokenHash: p.string().length(64).unique(),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    createdAt: createdAt(),
  },
});

/**
 * An invitation to join an organization (`organization`, `role`) or to become
 * an admin of a tenant (`tenant`), sent to `email`: a one-time link whose
 * token only the SHA-256 of is kept, working INVITATION_TTL_HOURS, until
 * accepted or revoked.
 */
export const Invitation = defineEntity({
  name: 'Invitation',
  properties: {
    id: id(),
    tokenHash: p.string().length(64).unique(),
    kind: p.enum([...INVITATION_KINDS]),
    email: p.string().length(254),
    organization: () => p.manyToOne(Organization).nullable().deleteRule('cascade'),
    role: p.enum([...ORG_ROLES]).nullable(),
    tenant: () => p.manyToOne(Tenant).nullable().deleteRule('cascade'),
    /** Who sent it; invitations are throttled per sender. */
    invitedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    createdAt: sortedMoment().onCreate(() => new Date()),
    expiresAt: p.datetime(),
    acceptedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
  indexes: [
    { properties: ['organization', 'createdAt'] },
    { properties: ['tenant', 'createdAt'] },
    { properties: ['invitedBy', 'createdAt'] },
  ],
});

/**
 * rate-limiter-flexible's counters, in its PostgreSQL store's layout: every instance
 * counts in this table. Both dialects have it, as the entities define the schema; the
 * embedded database's single process counts in memory and leaves it empty.
 */
export const RateLimit = defineEntity({
  name: 'RateLimit',
  properties: {
    key: p.string().length(255).primary(),
    points: p.integer().default(0),
    /** Milliseconds since the epoch at which the count starts over; null never. */
    expire: p.bigint('number').nullable(),
  },
});

/**
 * The change feed: one row per committed change, written in the same
 * transaction as the change (a transactional outbox). Every instance reads it
 * in `seq` order from where it left off and drops from its caches what each
 * event touches (src/events/). On PostgreSQL an insert trigger notifies the
 * `gatehouse_changes` channel when the transaction commits.
 */
export const ChangeEvent = defineEntity({
  name: 'ChangeEvent',
  properties: {
    seq: p.bigint('number').primary().autoincrement(),
    at: p.datetime(),
    type: p.string().length(64),
    /** The audit event describing the same change, when there is one. */
    auditId: p.string().length(36).nullable(),
    appId: p.string().length(36).nullable(),
    tenantId: p.string().length(18).nullable(),
    environment: p.string().length(16).nullable(),
    connectionId: p.string().length(36).nullable(),
    clientId: p.string().length(64).nullable(),
    /** Other ids the change touched (secret, token, resource): never a secret. */
    data: p.json<Record<string, unknown>>().nullable(),
  },
  indexes: [{ properties: ['at'] }],
});

/**
 * Where a durable consumer of the change feed has read to (the webhook
 * fan-out): its last `seq`, and the numbers below it not seen yet (a
 * transaction still running when the consumer passed), each with when it was
 * first missed. Read and advanced under a row lock, so only one instance
 * consumes at a time and a crash replays from the last commit.
 */
export const FeedCursor = defineEntity({
  name: 'FeedCursor',
  properties: {
    consumer: p.string().length(64).primary(),
    seq: p.bigint('number'),
    missing: p.json<Record<string, number>>(),
    updatedAt: p.datetime(),
  },
});

/** A developer's webhook endpoint: where an app's events are delivered, signed per Standard Webhooks. */
export const WebhookEndpoint = defineEntity({
  name: 'WebhookEndpoint',
  properties: {
    id: id(),
    app: () => p.manyToOne(App).deleteRule('cascade'),
    url: p.string().length(2048),
    eventTypes: p.json<string[]>(),
    status: p.enum([...WEBHOOK_STATUSES]),
    disabledReason: p.enum([...WEBHOOK_DISABLED_REASONS]).nullable(),
    /** The signing secret (`whsec_…`): shown once, kept to sign with, never sent to a browser again. */
    secret: p.string().length(100).hidden(),
    secretStart: p.string().length(16),
    /** After a rotation with a grace period, deliveries are signed with both until it ends. */
    previousSecret: p.string().length(100).hidden().nullable(),
    previousSecretExpiresAt: p.datetime().nullable(),
    /** Since when every attempt has failed; null once one succeeds. */
    failingSince: p.datetime().nullable(),
    /** Attempts failed in a row since the last success: from the fifth on, the endpoint backs off as a whole. */
    failureStreak: p.integer().default(0),
    /** While it backs off, its deliveries wait until then; a resend or test event still goes at once. */
    pausedUntil: p.datetime().length(3).nullable(),
    revision: p.integer().version(),
    createdBy: () => p.manyToOne(User),
    createdAt: sortedMoment().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  indexes: [{ properties: ['app', 'createdAt', 'id'] }],
});

/**
 * One event to deliver to one endpoint: the durable queue. Workers of any
 * instance claim due rows (`SKIP LOCKED` on PostgreSQL) by setting
 * `lockedUntil`; a claim that outlives its lease is taken again, so delivery
 * is at least once. `messageId` is the `webhook-id`, the same on every attempt.
 */
export const WebhookDelivery = defineEntity({
  name: 'WebhookDelivery',
  properties: {
    id: id(),
    endpoint: () => p.manyToOne(WebhookEndpoint).deleteRule('cascade'),
    appId: p.string().length(36),
    messageId: p.string().length(64),
    eventType: p.string().length(64),
    /** The change event it came from; null for test events. One delivery per endpoint and event. */
    eventSeq: p.bigint('number').nullable(),
    payload: p.json<Record<string, unknown>>(),
    status: p.enum([...DELIVERY_STATUSES]),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime().length(3).nullable(),
    lockedUntil: p.datetime().length(3).nullable(),
    lastAttemptAt: p.datetime().nullable(),
    lastStatus: p.integer().nullable(),
    createdAt: sortedMoment().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['endpoint', 'eventSeq'] }],
  indexes: [
    { properties: ['status', 'nextAttemptAt'] },
    { properties: ['endpoint', 'createdAt', 'id'] },
    // Retention deletes finished deliveries oldest first.
    { properties: ['createdAt'] },
  ],
});

/** One try of a delivery, for the delivery log: what the receiver answered, or why nothing did. */
export const WebhookAttempt = defineEntity({
  name: 'WebhookAttempt',
  properties: {
    id: id(),
    delivery: () => p.manyToOne(WebhookDelivery).deleteRule('cascade'),
    endpointId: p.string().length(36),
    at: sortedMoment(),
    /** The receiver's HTTP status; null when none came (refused address, timeout, connection error). */
    status: p.integer().nullable(),
    error: p.string().length(200).nullable(),
    durationMs: p.integer(),
    responseExcerpt: p.string().length(1000).nullable(),
  },
  indexes: [{ properties: ['delivery', 'at'] }],
});

/**
 * The request log, a block of lines per app × environment per write,
 * whatever the lines' tenants (at most BLOCK_LINES lines over at most
 * BLOCK_SPAN_MS, see src/requests/blocks.ts): one row, one entry in each
 * index, for up to a thousand calls, so that a busy API's log costs the
 * database next to nothing per call. `lines` holds them as JSON; `tenants`,
 * `statuses`, `kinds`, `errorCodes` and `routes` say what the block holds,
 * so that a filtered read (a tenant admin's among them) skips the blocks
 * none of whose lines it wants. `id` orders the lines
 * of blocks written at the same moment.
 */
export const RequestLogBlock = defineEntity({
  name: 'RequestLogBlock',
  tableName: 'request_log_block',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    appId: p.string().length(36),
    environment: p.enum([...ENVIRONMENTS]),
    /** `,tenant,` for each tenant a line came from: a line names its tenant by its place here. */
    tenants: p.text().default(''),
    /** The first and the last line's time. */
    firstAt: sortedMoment(),
    lastAt: sortedMoment(),
    /** Bit 1 << (status / 100) of each line's status. */
    statuses: p.integer(),
    /** Bit 1 for an API call, 2 for a token request. */
    kinds: p.integer(),
    /** `,code,` for each error code a line named, or empty. */
    errorCodes: p.text(),
    /** The route templates, each between line breaks: a line names its route by its place here. */
    routes: p.text(),
    lines: p.text(),
  },
  indexes: [{ properties: ['lastAt'] }, { properties: ['appId', 'lastAt'] }],
});

/**
 * Calls per latency bucket (LATENCY_BOUNDS_MS) per day × app × tenant ×
 * environment × endpoint, added to in batches; `tenantId` '*' sums all
 * tenants, written in the same batch, so an app's figures never read every tenant's.
 */
export const LatencyDaily = defineEntity({
  name: 'LatencyDaily',
  properties: {
    appId: p.string().length(36).primary(),
    tenantId: p.string().length(18).primary(),
    environment: p.enum([...ENVIRONMENTS]).primary(),
    endpoint: p.string().length(120).primary(),
    day: p.string().length(10).primary(),
    bucket: p.integer().primary(),
    calls: p.integer(),
  },
});

/**
 * When a call last needed each scope of an app (the least-privilege advisor),
 * per tenant and environment, and `*`/`*` for any; written in batches.
 */
export const ScopeUse = defineEntity({
  name: 'ScopeUse',
  properties: {
    appId: p.string().length(36).primary(),
    tenantId: p.string().length(18).primary(),
    environment: p.string().length(16).primary(),
    scope: p.string().length(80).primary(),
    lastUsedAt: p.datetime(),
  },
});

/** An app × tenant × environment refused for its rate limit in a UTC day: the first refusal inserts, and so sends the day's one event. */
export const RateLimitHit = defineEntity({
  name: 'RateLimitHit',
  properties: {
    appId: p.string().length(36).primary(),
    tenantId: p.string().length(18).primary(),
    environment: p.string().length(16).primary(),
    day: p.string().length(10).primary(),
    at: p.datetime(),
  },
});

export const entities = [
  Organization,
  User,
  Session,
  LoginFailure,
  Tenant,
  TenantAdmin,
  App,
  AppTenant,
  AppVersion,
  AuditEvent,
  Connection,
  ClientSecret,
  SigningKey,
  RevokedToken,
  UsageDaily,
  UsageAppDaily,
  ResourceRecord,
  Notification,
  AccessRequest,
  PasswordSetup,
  Invitation,
  RateLimit,
  ChangeEvent,
  FeedCursor,
  WebhookEndpoint,
  WebhookDelivery,
  WebhookAttempt,
  RequestLogBlock,
  LatencyDaily,
  ScopeUse,
  RateLimitHit,
];

export type OrganizationEntity = InferEntity<typeof Organization>;
export type UserEntity = InferEntity<typeof User>;
export type AppEntity = InferEntity<typeof App>;
export type AppVersionEntity = InferEntity<typeof AppVersion>;
export type AuditEventEntity = InferEntity<typeof AuditEvent>;
export type ConnectionEntity = InferEntity<typeof Connection>;
export type ClientSecretEntity = InferEntity<typeof ClientSecret>;
export type InvitationEntity = InferEntity<typeof Invitation>;
