import { randomBytes } from 'node:crypto';
import {
  type ChangeEventType,
  DomainError,
  invalidField,
  rotationGraceEnd,
  WEBHOOK_LIMITS,
} from '@gatehouse/domain';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { z } from 'zod';
import { audit } from '../../audit';
import { App, WebhookEndpoint } from '../../db/entities';
import type {
  createEndpointInput,
  endpointListOutput,
  endpointWithSecretOutput,
  rotateEndpointSecretInput,
  updateEndpointInput,
} from '../../routers/webhooks/schemas';
import { urlRefusal } from '../../webhooks/ssrf';
import { findOwnedApp, type OrganizationMember } from '../apps/queries';
import { dialectOf } from '../audit/lead';
import { refuseRaces } from '../races';
import { type EndpointRow, type EndpointView, findEndpoint, toEndpointView } from './views';

/** Where endpoints may point: `localhost` only where the embedded demo runs. */
export interface EndpointPolicy {
  allowLoopback: boolean;
}

type WithSecret = z.infer<typeof endpointWithSecretOutput>;

const SECRET_PREFIX = 'whsec_';
const SECRET_START_LENGTH = 12;
const RACE_MESSAGE = 'Someone else changed this endpoint at the same time. Reload to see its current state.';

/** A signing secret in the Standard Webhooks format: `whsec_` and 256 random bits in base64. */
export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function checkUrl(url: string, policy: EndpointPolicy): void {
  const refusal = urlRefusal(url, policy.allowLoopback);
  if (refusal) throw invalidField('url', refusal);
}

/** What the audit trail records of an endpoint: never its secret. */
const snapshot = (endpoint: EndpointRow) => ({
  endpointId: endpoint.id,
  url: endpoint.url,
  eventTypes: endpoint.eventTypes,
  status: endpoint.status,
  disabledReason: endpoint.disabledReason ?? null,
});

function auditEndpoint(
  tx: EntityManager,
  member: OrganizationMember,
  action: ChangeEventType,
  endpoint: EndpointRow,
  change: { before?: unknown; after?: unknown },
): void {
  audit(tx, member, {
    action,
    organizationId: member.organizationId,
    appId: endpoint.app.id,
    before: change.before ?? null,
    after: change.after ?? null,
    touched: { data: { endpointId: endpoint.id } },
  });
}

/** The app's endpoints, oldest first. */
export async function listEndpoints(
  em: EntityManager,
  member: OrganizationMember,
  appId: string,
): Promise<z.infer<typeof endpointListOutput>> {
  const app = await findOwnedApp(em, member.organizationId, appId);
  const endpoints = await em.find(
    WebhookEndpoint,
    { app: app.id },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
  return { endpoints: await Promise.all(endpoints.map((endpoint) => toEndpointView(em, endpoint))) };
}

/** Adds an endpoint; its signing secret is in the answer, this once. */
export async function createEndpoint(
  em: EntityManager,
  member: OrganizationMember,
  input: z.infer<typeof createEndpointInput>,
  policy: EndpointPolicy,
): Promise<WithSecret> {
  const { endpoint, secret } = await refuseRaces(em, RACE_MESSAGE, async (tx) => {
    const app = await findOwnedApp(tx, member.organizationId, input.appId);
    checkUrl(input.url, policy);
    // Two adds at once count one after the other (the embedded database writes one at a time anyway).
    if (dialectOf(tx) === 'postgresql')
      await tx.lock(tx.getReference(App, app.id), LockMode.PESSIMISTIC_WRITE);
    if ((await tx.count(WebhookEndpoint, { app: app.id })) >= WEBHOOK_LIMITS.endpointsPerApp)
      throw new DomainError(
        'INVALID_INPUT',
        `An app can have at most ${WEBHOOK_LIMITS.endpointsPerApp} webhook endpoints. Delete one to add another.`,
      );
    const secret = newSigningSecret();
    const endpoint = tx.create(WebhookEndpoint, {
      id: crypto.randomUUID(),
      app,
      url: input.url,
      eventTypes: input.eventTypes,
      status: 'active',
      secret,
      secretStart: secret.slice(0, SECRET_START_LENGTH),
      // The column is nullable; the entity's type loses that beside `hidden`.
      previousSecret: null as never,
      createdBy: member.id,
    });
    auditEndpoint(tx, member, 'webhook.endpoint_created', endpoint, { after: snapshot(endpoint) });
    return { endpoint, secret };
  });
  return { endpoint: await toEndpointView(em, endpoint), secret };
}

/**
 * Changes an endpoint's URL, event types or state. Turning it off is the
 * developer's choice; turning it back on (also after it was turned off for
 * failing) or pointing it elsewhere starts its failure count afresh and ends
 * any back-off.
 */
export async function updateEndpoint(
  em: EntityManager,
  member: OrganizationMember,
  input: z.infer<typeof updateEndpointInput>,
  policy: EndpointPolicy,
): Promise<EndpointView> {
  const endpoint = await refuseRaces(em, RACE_MESSAGE, async (tx) => {
    const app = await findOwnedApp(tx, member.organizationId, input.appId);
    const endpoint = await findEndpoint(tx, app.id, input.endpointId);
    if (input.url !== undefined) checkUrl(input.url, policy);
    const before = snapshot(endpoint);
    if (input.url !== undefined && input.url !== endpoint.url)
      tx.assign(endpoint, { url: input.url, failureStreak: 0, pausedUntil: null });
    if (input.eventTypes !== undefined) endpoint.eventTypes = input.eventTypes;
    if (input.enabled === true && endpoint.status !== 'active')
      tx.assign(endpoint, {
        status: 'active',
        disabledReason: null,
        failingSince: null,
        failureStreak: 0,
        pausedUntil: null,
      });
    if (input.enabled === false && endpoint.status !== 'disabled')
      tx.assign(endpoint, { status: 'disabled', disabledReason: 'developer' });
    const after = snapshot(endpoint);
    if (JSON.stringify(before) !== JSON.stringify(after))
      auditEndpoint(tx, member, 'webhook.endpoint_changed', endpoint, { before, after });
    return endpoint;
  });
  return toEndpointView(em, endpoint);
}

/**
 * A new signing secret, shown once. The one it replaces keeps signing beside
 * it for `graceHours` (0: it stops at once); one rotated out before is dropped.
 */
export async function rotateEndpointSecret(
  em: EntityManager,
  member: OrganizationMember,
  input: z.infer<typeof rotateEndpointSecretInput>,
): Promise<WithSecret> {
  const { endpoint, secret } = await refuseRaces(em, RACE_MESSAGE, async (tx) => {
    const app = await findOwnedApp(tx, member.organizationId, input.appId);
    const endpoint = await findEndpoint(tx, app.id, input.endpointId);
    const secret = newSigningSecret();
    const previousStart = endpoint.secretStart;
    const graceEnd = input.graceHours > 0 ? rotationGraceEnd(new Date(), input.graceHours) : null;
    tx.assign(endpoint, {
      previousSecret: graceEnd ? endpoint.secret : null,
      previousSecretExpiresAt: graceEnd,
      secret,
      secretStart: secret.slice(0, SECRET_START_LENGTH),
    });
    auditEndpoint(tx, member, 'webhook.secret_rotated', endpoint, {
      before: { endpointId: endpoint.id, secretStart: previousStart },
      after: { endpointId: endpoint.id, secretStart: endpoint.secretStart, graceHours: input.graceHours },
    });
    return { endpoint, secret };
  });
  return { endpoint: await toEndpointView(em, endpoint), secret };
}

/** Deletes an endpoint with its deliveries and their log. */
export async function deleteEndpoint(
  em: EntityManager,
  member: OrganizationMember,
  input: { appId: string; endpointId: string },
): Promise<{ deleted: true }> {
  await refuseRaces(em, RACE_MESSAGE, async (tx) => {
    const app = await findOwnedApp(tx, member.organizationId, input.appId);
    const endpoint = await findEndpoint(tx, app.id, input.endpointId);
    auditEndpoint(tx, member, 'webhook.endpoint_deleted', endpoint, { before: snapshot(endpoint) });
    tx.remove(endpoint);
  });
  return { deleted: true };
}
