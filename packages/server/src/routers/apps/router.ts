import {
  canResubmit,
  DomainError,
  decideScopeSave,
  developerMayGenerateSecret,
  diffScopes,
  ENVIRONMENTS,
  identityAfterEdit,
  initialReviewStatus,
  invalidField,
  issuerOfConnection,
  listedIdentityOnCreate,
  newAppSchema,
  notFound,
  secretGenerationRefusal,
  type UsageOutcome,
} from '@gatehouse/domain';
import { raw, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { z } from 'zod';
import { audit } from '../../audit';
import { randomToken } from '../../auth/secrets';
import { App, AppTenant, AppVersion, Connection, UsageDaily } from '../../db/entities';
import { containsText } from '../../db/text-match';
import { developerProcedure } from '../../procedures';
import { router } from '../../trpc';
import { rotateSecrets, updateConnection } from '../connections/model';
import { appDetail, findOwnedApp, tenantIdsOf } from './queries';
import {
  appConnectionOutput,
  appDetailOutput,
  appIdInput,
  appListOutput,
  deleteAppInput,
  generatedSecretOutput,
  generateSecretInput,
  listAppsInput,
  saveScopesInput,
  saveScopesOutput,
  tenantIdsOutput,
  tenantInput,
  USAGE_REPORT_MAX_ROWS,
  updateDetailsInput,
  usageInput,
  usageOutput,
  versionOutput,
} from './schemas';

const APP_KEY_PREFIX = 'ghak_';

/** Thrown inside a transaction when another save moved the app's version first; the save starts over. */
class VersionRace extends Error {}

export const appsRouter = router({
  list: developerProcedure
    .input(listAppsInput)
    .output(appListOutput)
    .query(async ({ ctx, input }) => {
      const where = {
        organization: ctx.developer.organizationId,
        deletedAt: null,
        ...(input.search ? containsText('name', input.search) : {}),
      };
      const [apps, totalCount] = await ctx.em.findAndCount(App, where, {
        orderBy: { createdAt: 'desc', id: 'asc' },
        limit: input.pageSize,
        offset: (input.page - 1) * input.pageSize,
      });
      const counts = new Map<string, number>();
      if (apps.length > 0) {
        const rows: { app_id: string; n: number | string }[] = await ctx.em
          .createQueryBuilder(AppTenant, 't')
          .select(['t.app_id', raw('count(*) as n')])
          .where({ app: { $in: apps.map((a) => a.id) } })
          .groupBy('t.app_id')
          .execute('all', false);
        for (const row of rows) counts.set(row.app_id, Number(row.n));
      }
      return {
        items: apps.map((app) => ({
          id: app.id,
          name: app.name,
          kind: app.kind,
          reviewStatus: app.reviewStatus,
          submittedAt: app.submittedAt ?? null,
          latestVersion: app.latestVersion,
          tenantCount: counts.get(app.id) ?? 0,
          createdAt: app.createdAt,
        })),
        page: input.page,
        pageSize: input.pageSize,
        totalCount,
      };
    }),

  get: developerProcedure
    .input(appIdInput)
    .output(appDetailOutput)
    .query(async ({ ctx, input }) =>
      appDetail(ctx.em, await findOwnedApp(ctx.em, ctx.developer.organizationId, input.appId)),
    ),

  create: developerProcedure
    .input(newAppSchema)
    .output(appDetailOutput)
    .mutation(async ({ ctx, input }) => {
      const { developer } = ctx;
      const appId = crypto.randomUUID();
      await ctx.em.transactional(async (tx) => {
        const app = tx.create(App, {
          id: appId,
          organization: developer.organizationId,
          name: input.name,
          homePageUrl: input.homePageUrl,
          ...listedIdentityOnCreate(input.kind, input),
          kind: input.kind,
          credentialsMode: input.credentialsMode,
          reviewStatus: initialReviewStatus(input.kind),
          submittedAt: input.kind === 'public' ? new Date() : null,
          appKey: randomToken(APP_KEY_PREFIX, 24),
          latestVersion: 1,
          createdBy: developer.id,
        });
        for (const tenantId of input.tenantIds)
          tx.create(AppTenant, { id: crypto.randomUUID(), app, tenantId });
        tx.create(AppVersion, {
          id: crypto.randomUUID(),
          app,
          number: 1,
          scopes: input.scopes,
          createdBy: developer.id,
        });
        audit(tx, developer, {
          action: 'app.created',
          organizationId: developer.organizationId,
          appId,
          after: { ...input, organizationName: developer.organizationName, version: 1 },
        });
      });
      return appDetail(ctx.em, await findOwnedApp(ctx.em, developer.organizationId, appId));
    }),

  /**
   * Edit details: a never-approved private app turned public goes to review, and so
   * does a new name or home page of an approved app while tenants keep the listed one.
   */
  updateDetails: developerProcedure
    .input(updateDetailsInput)
    .output(appDetailOutput)
    .mutation(async ({ ctx, input }) => {
      const { developer } = ctx;
      await ctx.em.transactional(async (tx) => {
        const app = await findOwnedApp(tx, developer.organizationId, input.appId);
        const listed = {
          listedName: app.listedName ?? null,
          listedHomePageUrl: app.listedHomePageUrl ?? null,
        };
        const before = {
          name: app.name,
          homePageUrl: app.homePageUrl,
          kind: app.kind,
          credentialsMode: app.credentialsMode,
          reviewStatus: app.reviewStatus,
          ...listed,
        };
        const outcome = identityAfterEdit(
          {
            kind: app.kind,
            reviewStatus: app.reviewStatus,
            firstApprovedAt: app.firstApprovedAt ?? null,
            ...listed,
          },
          input,
        );
        const after = {
          name: input.name,
          homePageUrl: input.homePageUrl,
          kind: input.kind,
          credentialsMode: input.credentialsMode,
          reviewStatus: outcome.reviewStatus,
          listedName: outcome.listedName,
          listedHomePageUrl: outcome.listedHomePageUrl,
        };
        if (JSON.stringify(before) === JSON.stringify(after)) return;
        Object.assign(
          app,
          after,
          outcome.consequence === 'none' ? {} : { reviewReason: null },
          outcome.consequence === 'entered_review' ? { submittedAt: new Date() } : {},
        );
        audit(tx, developer, {
          action: 'app.details_changed',
          organizationId: developer.organizationId,
          appId: app.id,
          before,
          after: { ...after, review: outcome.consequence },
        });
      });
      return appDetail(ctx.em, await findOwnedApp(ctx.em, developer.organizationId, input.appId));
    }),

  /** Resubmit a rejected app: it goes back to the review queue. */
  resubmit: developerProcedure
    .input(appIdInput)
    .output(appDetailOutput)
    .mutation(async ({ ctx, input }) => {
      const { developer } = ctx;
      await ctx.em.transactional(async (tx) => {
        const app = await findOwnedApp(tx, developer.organizationId, input.appId);
        if (!canResubmit(app.reviewStatus))
          throw new DomainError('CONFLICT', 'Only a rejected app can be resubmitted.');
        const moved = await tx.nativeUpdate(
          App,
          { id: app.id, reviewStatus: 'rejected' },
          { reviewStatus: 'pending', submittedAt: new Date(), updatedAt: new Date() },
        );
        if (moved !== 1) throw new DomainError('CONFLICT', 'Only a rejected app can be resubmitted.');
        audit(tx, developer, {
          action: 'app.resubmitted',
          organizationId: developer.organizationId,
          appId: app.id,
          before: { reviewStatus: 'rejected', reviewReason: app.reviewReason },
          after: { reviewStatus: 'pending' },
        });
      });
      const app = await findOwnedApp(ctx.db.em(), developer.organizationId, input.appId);
      return appDetail(ctx.em, app);
    }),

  /** Edit: a real change of scopes makes the next version; the app key never changes. */
  saveScopes: developerProcedure
    .input(saveScopesInput)
    .output(saveScopesOutput)
    .mutation(async ({ ctx, input }) => {
      const { developer } = ctx;
      for (let attempt = 0; ; attempt++) {
        // Each attempt reads afresh: a retry must see the version that beat it.
        const em = attempt === 0 ? ctx.em : ctx.db.em();
        try {
          return await em.transactional(async (tx) => saveScopes(tx, developer, input.appId, input.scopes));
        } catch (error) {
          if (
            !(error instanceof VersionRace || error instanceof UniqueConstraintViolationException) ||
            attempt >= 20
          )
            throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
        }
      }
    }),

  addTenant: developerProcedure
    .input(tenantInput)
    .output(tenantIdsOutput)
    .mutation(async ({ ctx, input }) => {
      const { developer } = ctx;
      try {
        await ctx.em.transactional(async (tx) => {
          const app = await findOwnedApp(tx, developer.organizationId, input.appId);
          if (await tx.count(AppTenant, { app: app.id, tenantId: input.tenantId }))
            throw alreadyListed(input.tenantId);
          tx.create(AppTenant, { id: crypto.randomUUID(), app, tenantId: input.tenantId });
          // The tenant stays out of the event's tenant column: its admins must not learn of an app they may not see yet.
          audit(tx, developer, {
            action: 'app.tenant_added',
            organizationId: developer.organizationId,
            appId: app.id,
            after: { tenantId: input.tenantId },
          });
        });
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) throw alreadyListed(input.tenantId);
        throw error;
      }
      return { tenantIds: await tenantIdsOf(ctx.em, input.appId) };
    }),

  removeTenant: developerProcedure
    .input(tenantInput)
    .output(tenantIdsOutput)
    .mutation(async ({ ctx, input }) => {
      const { developer } = ctx;
      await ctx.em.transactional(async (tx) => {
        const app = await findOwnedApp(tx, developer.organizationId, input.appId);
        const removed = await tx.nativeDelete(AppTenant, { app: app.id, tenantId: input.tenantId });
        if (removed === 0)
          throw invalidField('tenantId', `Tenant ID ${input.tenantId} is not listed on this app`);
        audit(tx, developer, {
          action: 'app.tenant_removed',
          organizationId: developer.organizationId,
          appId: app.id,
          before: { tenantId: input.tenantId },
        });
      });
      return { tenantIds: await tenantIdsOf(ctx.em, input.appId) };
    }),

  versions: developerProcedure
    .input(appIdInput)
    .output(z.array(versionOutput))
    .query(async ({ ctx, input }) => {
      const app = await findOwnedApp(ctx.em, ctx.developer.organizationId, input.appId);
      const versions = await ctx.em.find(
        AppVersion,
        { app: app.id },
        { orderBy: { number: 'asc' }, populate: ['createdBy'] },
      );
      return versions
        .map((version, index) => ({
          number: version.number,
          scopes: version.scopes,
          createdAt: version.createdAt,
          createdBy: { name: version.createdBy.name, email: version.createdBy.email },
          ...diffScopes(versions[index - 1]?.scopes ?? [], version.scopes),
        }))
        .reverse();
    }),

  /** View Connections: every listed tenant per environment, with the version and scopes in play. */
  connections: developerProcedure
    .input(appIdInput)
    .output(z.array(appConnectionOutput))
    .query(async ({ ctx, input }) => {
      const app = await findOwnedApp(ctx.em, ctx.developer.organizationId, input.appId);
      const [listed, connections, versions] = await Promise.all([
        tenantIdsOf(ctx.em, app.id),
        ctx.em.find(Connection, { app: app.id }, { populate: ['tenant'] }),
        ctx.em.find(AppVersion, { app: app.id }),
      ]);
      const scopesByVersion = new Map(versions.map((v) => [v.number, v.scopes]));
      const byKey = new Map(connections.map((c) => [`${c.tenant.id}:${c.environment}`, c]));
      const tenantIds = [
        ...listed,
        ...connections.map((c) => c.tenant.id).filter((id) => !listed.includes(id)),
      ];
      return [...new Set(tenantIds)].flatMap((tenantId) =>
        ENVIRONMENTS.map((environment) => {
          const connection = byKey.get(`${tenantId}:${environment}`);
          const version = connection?.status === 'declined' ? null : (connection?.acceptedVersion ?? null);
          return {
            tenantId,
            tenantName: connection?.tenant.name ?? null,
            environment,
            state: connection?.status ?? ('not_connected' as const),
            version,
            scopesInPlay: version ? (scopesByVersion.get(version) ?? []) : [],
            offered: listed.includes(tenantId),
            clientId: connection?.status === 'declined' ? null : (connection?.clientId ?? null),
            credentialsIssuer: connection ? issuerOfConnection(connection) : null,
            canGenerateSecret: developerMayGenerateSecret(connection ?? null),
          };
        }),
      );
    }),

  /**
   * Developer-managed credentials: create (or rotate) a connected tenant's client secret, shown once.
   * Only for a connection allowed while the app's mode was "developer": switching the mode later
   * must not hand the developer credentials a tenant admin issued.
   */
  generateSecret: developerProcedure
    .input(generateSecretInput)
    .output(generatedSecretOutput)
    .mutation(async ({ ctx, input }) => {
      const { developer } = ctx;
      return ctx.em.transactional(async (tx) => {
        const app = await findOwnedApp(tx, developer.organizationId, input.appId);
        const connection = await tx.findOne(
          Connection,
          { app: app.id, tenant: input.tenantId, environment: input.environment },
          { populate: ['app'] },
        );
        const refusal = secretGenerationRefusal(connection);
        if (refusal === 'not_connected' || !connection) throw notFound('Connection');
        if (refusal === 'issued_by_tenant_admin') {
          throw new DomainError('FORBIDDEN', "The tenant admin issues this connection's client credentials.");
        }
        const { plain, secret, previous } = await rotateSecrets(tx, connection, developer.id, 24);
        await updateConnection(tx, connection, {}, developer.id);
        audit(tx, developer, {
          action: 'connection.secret_generated',
          organizationId: developer.organizationId,
          appId: app.id,
          tenantId: input.tenantId,
          before: { secrets: previous.map((p) => p.start) },
          after: { environment: input.environment, secretStart: secret.start },
        });
        return { clientId: connection.clientId ?? '', clientSecret: plain };
      });
    }),

  /** API Usage Report: calls per day, tenant, environment, endpoint and outcome. */
  usage: developerProcedure
    .input(usageInput)
    .output(usageOutput)
    .query(async ({ ctx, input }) => {
      const app = await findOwnedApp(ctx.em, ctx.developer.organizationId, input.appId);
      const to = new Date().toISOString().slice(0, 10);
      const from = new Date(Date.now() - (input.days - 1) * 86_400_000).toISOString().slice(0, 10);
      // Bounded whatever the traffic was: the newest rows, and a flag when there were more.
      const found = await ctx.em.find(
        UsageDaily,
        { appId: app.id, day: { $gte: from } },
        {
          orderBy: { day: 'desc', tenantId: 'asc', endpoint: 'asc', outcome: 'asc' },
          limit: USAGE_REPORT_MAX_ROWS + 1,
        },
      );
      const truncated = found.length > USAGE_REPORT_MAX_ROWS;
      let kept = found.slice(0, USAGE_REPORT_MAX_ROWS);
      // A day is shown whole or not at all: the oldest day the cap cut into would read too low.
      const cutDay = truncated ? kept.at(-1)?.day : undefined;
      if (cutDay !== undefined && kept[0]?.day !== cutDay) kept = kept.filter((r) => r.day !== cutDay);
      const rows = kept.reverse();
      return {
        from,
        to,
        truncated,
        rows: rows.map((r) => ({
          day: r.day,
          tenantId: r.tenantId,
          environment: r.environment,
          endpoint: r.endpoint,
          outcome: r.outcome as UsageOutcome,
          calls: r.calls,
        })),
      };
    }),

  /** Delete application: the key is marked deleted with the app and never accepted again. */
  delete: developerProcedure
    .input(deleteAppInput)
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const { developer } = ctx;
      await ctx.em.transactional(async (tx) => {
        const app = await findOwnedApp(tx, developer.organizationId, input.appId);
        if (input.confirmName.trim() !== app.name)
          throw invalidField('confirmName', `Type ${app.name} to confirm`);
        const deletedAt = new Date();
        const changed = await tx.nativeUpdate(
          App,
          { id: app.id, deletedAt: null },
          { deletedAt, updatedAt: deletedAt },
        );
        if (changed === 0) throw invalidField('confirmName', 'This app was already deleted');
        audit(tx, developer, {
          action: 'app.deleted',
          organizationId: developer.organizationId,
          appId: app.id,
          before: { name: app.name, appKeyStart: app.appKey.slice(0, 9) },
          after: { deletedAt },
        });
      });
      return { deleted: true as const };
    }),
});

function alreadyListed(tenantId: string) {
  return invalidField('tenantId', `Tenant ID ${tenantId} is already listed`);
}

async function saveScopes(
  tx: EntityManager,
  developer: { id: string; email: string; organizationId: string },
  appId: string,
  scopes: string[],
) {
  const app = await findOwnedApp(tx, developer.organizationId, appId);
  const latest = await tx.findOneOrFail(AppVersion, { app: app.id, number: app.latestVersion });
  const decision = decideScopeSave(latest, scopes);
  if (decision.kind === 'unchanged')
    return { changed: false, version: latest.number, added: [], removed: [] };
  // Compare-and-set on the version counter: of two racing saves exactly one wins, the other retries.
  const moved = await tx.nativeUpdate(
    App,
    { id: app.id, latestVersion: latest.number },
    { latestVersion: decision.number, updatedAt: new Date() },
  );
  if (moved !== 1) throw new VersionRace();
  tx.create(AppVersion, {
    id: crypto.randomUUID(),
    app: app.id,
    number: decision.number,
    scopes: decision.scopes,
    createdBy: developer.id,
  });
  audit(tx, developer, {
    action: 'app.version_created',
    organizationId: developer.organizationId,
    appId: app.id,
    before: { version: latest.number, scopes: latest.scopes },
    after: {
      version: decision.number,
      scopes: decision.scopes,
      added: decision.diff.added,
      removed: decision.diff.removed,
    },
  });
  return {
    changed: true,
    version: decision.number,
    added: decision.diff.added,
    removed: decision.diff.removed,
  };
}
