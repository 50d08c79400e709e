import {
  credentialsIssuerFor,
  DomainError,
  diffScopes,
  invalidField,
  isVisibleToTenant,
  notFound,
} from '@gatehouse/domain';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { z } from 'zod';
import { audit } from '../../audit';
import type { SessionUser } from '../../auth/sessions';
import { AppTenant, ClientSecret, Connection, type ConnectionEntity, Tenant } from '../../db/entities';
import { isUuid } from '../../db/ids';
import { tenantAdminProcedure } from '../../procedures';
import { router } from '../../trpc';
import {
  appAsTenantSees,
  assertCan,
  assertTenant,
  findTenantConnection,
  findVisibleApp,
  issueSecret,
  newClientId,
  offeredTenants,
  RACE_MESSAGE,
  rotateSecrets,
  scopesOfVersion,
  secretsOf,
  summarize,
  summarizeOne,
  toSecretSummary,
  updateConnection,
} from './model';
import {
  allowInput,
  appForTenantOutput,
  availableAppOutput,
  connectionDetailOutput,
  connectionIdInput,
  connectionSummaryOutput,
  issuedCredentialsOutput,
  issuedSecretOutput,
  revokeSecretInput,
  rotateSecretInput,
  tenantAppInput,
  tenantEnvInput,
  tenantOutput,
  versionChoiceInput,
} from './schemas';

function auditConnection(
  tx: EntityManager,
  user: SessionUser,
  action: string,
  connection: ConnectionEntity,
  before: unknown,
  after: unknown,
) {
  audit(tx, user, {
    action,
    organizationId: connection.app.organization.id,
    appId: connection.app.id,
    tenantId: connection.tenant.id,
    before,
    after: { environment: connection.environment, ...(after as object) },
  });
}

const ISSUER_CHANGED_MESSAGE =
  "This app's credentials setting changed while you were reviewing it. Review it again.";

const snapshot = (c: ConnectionEntity) => ({
  status: c.status,
  acceptedVersion: c.acceptedVersion ?? null,
  declinedVersion: c.declinedVersion ?? null,
});

/** Runs a connection change; a racing insert of the same app × tenant × environment becomes a clear conflict. */
async function raceSafe<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw new DomainError('CONFLICT', RACE_MESSAGE);
    throw error;
  }
}

export const connectionsRouter = router({
  tenants: tenantAdminProcedure.output(z.array(tenantOutput)).query(async ({ ctx }) => {
    const tenants = await ctx.em.find(
      Tenant,
      { id: { $in: ctx.user.tenantIds } },
      { orderBy: { name: 'asc' } },
    );
    return tenants.map((t) => ({ id: t.id, name: t.name }));
  }),

  /** API Application Access: the tenant's connected, disabled and declined apps in one environment. */
  list: tenantAdminProcedure
    .input(tenantEnvInput)
    .output(z.array(connectionSummaryOutput))
    .query(async ({ ctx, input }) => {
      assertTenant(ctx.user, input.tenantId);
      const connections = await ctx.em.find(
        Connection,
        { tenant: input.tenantId, environment: input.environment },
        { populate: ['app', 'app.organization'], orderBy: { updatedAt: 'desc', id: 'asc' } },
      );
      const offered = await offeredTenants(
        ctx.em,
        connections.map((c) => ({ appId: c.app.id, tenantId: input.tenantId })),
      );
      return connections.map((c) => summarize(c, offered));
    }),

  /** Connect New App: apps this tenant may see and has not connected in this environment. */
  available: tenantAdminProcedure
    .input(tenantEnvInput)
    .output(z.array(availableAppOutput))
    .query(async ({ ctx, input }) => {
      assertTenant(ctx.user, input.tenantId);
      // The query narrows to what isVisibleToTenant accepts; the domain rule still decides.
      const candidates = await ctx.em.find(
        AppTenant,
        {
          tenantId: input.tenantId,
          app: { deletedAt: null, $or: [{ kind: 'private' }, { firstApprovedAt: { $ne: null } }] },
        },
        { populate: ['app', 'app.organization'], orderBy: { app: { listedName: 'asc' } } },
      );
      const listings = candidates.filter((l) => isVisibleToTenant(l.app, true));
      const decided = await ctx.em.find(Connection, {
        tenant: input.tenantId,
        environment: input.environment,
        app: { $in: listings.map((l) => l.app.id) },
      });
      const statusByApp = new Map(decided.map((c) => [c.app.id, c.status]));
      return listings
        .filter((l) => !statusByApp.has(l.app.id) || statusByApp.get(l.app.id) === 'declined')
        .map(({ app }) => ({ ...appAsTenantSees(app), declined: statusByApp.get(app.id) === 'declined' }));
    }),

  /** What the admin reads before Allow or Decline: the app and every scope it asks for. */
  app: tenantAdminProcedure
    .input(tenantAppInput)
    .output(appForTenantOutput)
    .query(async ({ ctx, input }) => {
      assertTenant(ctx.user, input.tenantId);
      const app = await findVisibleApp(ctx.em, input.tenantId, input.appId);
      const connection = await ctx.em.findOne(
        Connection,
        { app: app.id, tenant: input.tenantId, environment: input.environment },
        { populate: ['app', 'app.organization'] },
      );
      return {
        ...appAsTenantSees(app),
        declined: connection?.status === 'declined',
        scopes: await scopesOfVersion(ctx.em, app.id, app.latestVersion),
        credentialsIssuer: credentialsIssuerFor(app.credentialsMode),
        connection: connection ? await summarizeOne(ctx.em, connection) : null,
      };
    }),

  /**
   * Allow: connects on the app's latest version and shows the client credentials once.
   * Who issues the credentials is fixed here, from the app's mode at this moment, and
   * must be what the consent screen showed the admin.
   */
  allow: tenantAdminProcedure
    .input(allowInput)
    .output(issuedCredentialsOutput)
    .mutation(async ({ ctx, input }) => {
      assertTenant(ctx.user, input.tenantId);
      const issued = await raceSafe(() =>
        ctx.em.transactional(async (tx) => {
          const app = await findVisibleApp(tx, input.tenantId, input.appId);
          let connection = await tx.findOne(
            Connection,
            { app: app.id, tenant: input.tenantId, environment: input.environment },
            { populate: ['app', 'app.organization'] },
          );
          assertCan(connection, 'allow', 'This app is already connected in this environment.');
          const clientId = newClientId();
          const credentialsIssuer = credentialsIssuerFor(app.credentialsMode);
          if (credentialsIssuer !== input.credentialsIssuer)
            throw new DomainError('CONFLICT', ISSUER_CHANGED_MESSAGE);
          if (connection) {
            const before = snapshot(connection);
            await updateConnection(
              tx,
              connection,
              {
                status: 'connected',
                acceptedVersion: app.latestVersion,
                declinedVersion: null,
                clientId,
                credentialsIssuer,
              },
              ctx.user.id,
            );
            auditConnection(tx, ctx.user, 'connection.allowed', connection, before, {
              ...snapshot(connection),
              clientId,
              credentialsIssuer,
            });
          } else {
            connection = tx.create(Connection, {
              id: crypto.randomUUID(),
              app,
              tenant: input.tenantId,
              environment: input.environment,
              status: 'connected',
              acceptedVersion: app.latestVersion,
              clientId,
              credentialsIssuer,
              updatedBy: ctx.user.id,
            });
            auditConnection(tx, ctx.user, 'connection.allowed', connection, null, {
              ...snapshot(connection),
              clientId,
              credentialsIssuer,
            });
          }
          const { plain, secret } = issueSecret(tx, connection, ctx.user.id);
          auditConnection(tx, ctx.user, 'connection.secret_created', connection, null, {
            secretStart: secret.start,
          });
          return { connection, clientSecret: plain, clientId };
        }),
      );
      return {
        connection: await summarizeOne(ctx.em, issued.connection),
        clientId: issued.clientId,
        clientSecret: issued.clientSecret,
      };
    }),

  decline: tenantAdminProcedure
    .input(tenantAppInput)
    .output(connectionSummaryOutput)
    .mutation(async ({ ctx, input }) => {
      assertTenant(ctx.user, input.tenantId);
      const connection = await raceSafe(() =>
        ctx.em.transactional(async (tx) => {
          const app = await findVisibleApp(tx, input.tenantId, input.appId);
          const existing = await tx.findOne(
            Connection,
            { app: app.id, tenant: input.tenantId, environment: input.environment },
            { populate: ['app', 'app.organization'] },
          );
          assertCan(existing, 'decline', 'This app is already connected: disable it instead.');
          if (existing?.status === 'declined') return existing;
          const created = tx.create(Connection, {
            id: crypto.randomUUID(),
            app,
            tenant: input.tenantId,
            environment: input.environment,
            status: 'declined',
            updatedBy: ctx.user.id,
          });
          auditConnection(tx, ctx.user, 'connection.declined', created, null, snapshot(created));
          return created;
        }),
      );
      return summarizeOne(ctx.em, connection);
    }),

  get: tenantAdminProcedure
    .input(connectionIdInput)
    .output(connectionDetailOutput)
    .query(async ({ ctx, input }) => {
      const connection = await findTenantConnection(ctx.em, ctx.user, input.connectionId);
      const summary = await summarizeOne(ctx.em, connection);
      const scopesInPlay = connection.acceptedVersion
        ? await scopesOfVersion(ctx.em, connection.app.id, connection.acceptedVersion)
        : [];
      let upgrade = null;
      if (
        connection.acceptedVersion &&
        connection.app.latestVersion > connection.acceptedVersion &&
        !connection.app.deletedAt
      ) {
        const latest = await scopesOfVersion(ctx.em, connection.app.id, connection.app.latestVersion);
        upgrade = {
          fromVersion: connection.acceptedVersion,
          toVersion: connection.app.latestVersion,
          ...diffScopes(scopesInPlay, latest),
        };
      }
      return { ...summary, scopesInPlay, secrets: await secretsOf(ctx.em, connection.id), upgrade };
    }),

  /** Upgrade to New Version: the credentials stay; the scopes in play become the new version's. */
  upgrade: tenantAdminProcedure
    .input(versionChoiceInput)
    .output(connectionSummaryOutput)
    .mutation(async ({ ctx, input }) => {
      const connection = await ctx.em.transactional(async (tx) => {
        const connection = await findTenantConnection(tx, ctx.user, input.connectionId);
        assertCan(connection, 'upgrade', 'Only a connected or disabled app can be upgraded.');
        if (connection.app.deletedAt) throw notFound('App');
        // The admin reviewed exactly `toVersion`; if a newer one appeared meanwhile they must review again.
        if (
          input.toVersion !== connection.app.latestVersion ||
          input.toVersion <= (connection.acceptedVersion ?? 0)
        ) {
          throw invalidField(
            'toVersion',
            `Version ${input.toVersion} is not the newest version any more. Review the changes again.`,
          );
        }
        const before = snapshot(connection);
        await updateConnection(
          tx,
          connection,
          { acceptedVersion: input.toVersion, declinedVersion: null },
          ctx.user.id,
        );
        auditConnection(tx, ctx.user, 'connection.upgraded', connection, before, snapshot(connection));
        return connection;
      });
      return summarizeOne(ctx.em, connection);
    }),

  /** Decline the new version: the connection stays on its version and the tag goes away until a newer one. */
  declineUpgrade: tenantAdminProcedure
    .input(versionChoiceInput)
    .output(connectionSummaryOutput)
    .mutation(async ({ ctx, input }) => {
      const connection = await ctx.em.transactional(async (tx) => {
        const connection = await findTenantConnection(tx, ctx.user, input.connectionId);
        assertCan(connection, 'decline_upgrade', 'Only a connected or disabled app has versions to decline.');
        if (
          input.toVersion > connection.app.latestVersion ||
          input.toVersion <= (connection.acceptedVersion ?? 0)
        ) {
          throw invalidField('toVersion', `There is no version ${input.toVersion} to decline.`);
        }
        const before = snapshot(connection);
        await updateConnection(tx, connection, { declinedVersion: input.toVersion }, ctx.user.id);
        auditConnection(
          tx,
          ctx.user,
          'connection.upgrade_declined',
          connection,
          before,
          snapshot(connection),
        );
        return connection;
      });
      return summarizeOne(ctx.em, connection);
    }),

  disable: tenantAdminProcedure
    .input(connectionIdInput)
    .output(connectionSummaryOutput)
    .mutation(async ({ ctx, input }) => setStatus(ctx, input.connectionId, 'disable')),

  restore: tenantAdminProcedure
    .input(connectionIdInput)
    .output(connectionSummaryOutput)
    .mutation(async ({ ctx, input }) => setStatus(ctx, input.connectionId, 'restore')),

  rotateSecret: tenantAdminProcedure
    .input(rotateSecretInput)
    .output(issuedSecretOutput)
    .mutation(async ({ ctx, input }) => {
      return ctx.em.transactional(async (tx) => {
        const connection = await findTenantConnection(tx, ctx.user, input.connectionId);
        assertCan(connection, 'rotate_secret', 'Connect the app before creating a client secret.');
        if (connection.app.deletedAt) throw notFound('App');
        const { plain, secret, previous } = await rotateSecrets(
          tx,
          connection,
          ctx.user.id,
          input.graceHours,
        );
        // The revision bump serialises rotations against other changes of the same connection.
        await updateConnection(tx, connection, {}, ctx.user.id);
        auditConnection(
          tx,
          ctx.user,
          'connection.secret_rotated',
          connection,
          { secrets: previous.map((p) => p.start) },
          { secretStart: secret.start, graceHours: input.graceHours },
        );
        await tx.flush();
        await tx.populate(secret, ['createdBy']);
        return { clientId: connection.clientId ?? '', clientSecret: plain, secret: toSecretSummary(secret) };
      });
    }),

  revokeSecret: tenantAdminProcedure
    .input(revokeSecretInput)
    .output(z.object({ revoked: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.em.transactional(async (tx) => {
        const connection = await findTenantConnection(tx, ctx.user, input.connectionId);
        const revokedAt = new Date();
        const changed = isUuid(input.secretId)
          ? await tx.nativeUpdate(
              ClientSecret,
              { id: input.secretId, connection: connection.id, revokedAt: null },
              { revokedAt },
            )
          : 0;
        if (changed !== 1) throw notFound('Client secret');
        const secret = await tx.findOneOrFail(ClientSecret, { id: input.secretId });
        auditConnection(
          tx,
          ctx.user,
          'connection.secret_revoked',
          connection,
          { secretStart: secret.start },
          { revokedAt },
        );
      });
      return { revoked: true as const };
    }),
});

async function setStatus(
  ctx: { em: EntityManager; user: SessionUser },
  connectionId: string,
  action: 'disable' | 'restore',
) {
  const connection = await ctx.em.transactional(async (tx) => {
    const connection = await findTenantConnection(tx, ctx.user, connectionId);
    assertCan(
      connection,
      action,
      action === 'disable' ? 'Only a connected app can be disabled.' : 'Only a disabled app can be restored.',
    );
    const before = snapshot(connection);
    await updateConnection(
      tx,
      connection,
      { status: action === 'disable' ? 'disabled' : 'connected' },
      ctx.user.id,
    );
    auditConnection(
      tx,
      ctx.user,
      action === 'disable' ? 'connection.disabled' : 'connection.restored',
      connection,
      before,
      snapshot(connection),
    );
    return connection;
  });
  return summarizeOne(ctx.em, connection);
}
