import { decideScopeSave, versionHistory } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { audit } from '../../audit';
import { AppVersion } from '../../db/entities';
import { listPage, listTag, readListCursor } from '../../db/list-cursor';
import { retryRaces } from '../races';
import { findOwnedApp, type OrganizationMember } from './queries';

/**
 * Edit scopes: a real change makes the next version, one that changes nothing
 * makes none; the app key never changes. Of two saves read from the same
 * version one lands and the other starts over on top of it, so versions stay
 * contiguous.
 */
export async function saveScopes(
  em: EntityManager,
  developer: OrganizationMember,
  input: { appId: string; scopes: string[] },
) {
  return retryRaces(em, async (tx) => {
    const app = await findOwnedApp(tx, developer.organizationId, input.appId);
    const latest = await tx.findOneOrFail(AppVersion, { app: app.id, number: app.latestVersion });
    const decision = decideScopeSave(latest, input.scopes);
    if (decision.kind === 'unchanged')
      return { changed: false, version: latest.number, added: [], removed: [] };
    // Flushed with the app's revision: a save that moved the version first makes this one retry.
    app.latestVersion = decision.number;
    tx.create(AppVersion, {
      id: crypto.randomUUID(),
      app: app.id,
      number: decision.number,
      scopes: decision.scopes,
      createdBy: developer.id,
    });
    const { added, removed } = decision.diff;
    audit(tx, developer, {
      action: 'app.version_created',
      organizationId: developer.organizationId,
      appId: app.id,
      before: { version: latest.number, scopes: latest.scopes },
      after: { version: decision.number, scopes: decision.scopes, added, removed },
    });
    return { changed: true, version: decision.number, added, removed };
  });
}

/**
 * Version history, newest first, a page at a time: each version's scopes, who
 * made it and when, and its change against the version before. One row past
 * the page is read: it tells whether there is a next page and what the page's
 * oldest version changed.
 */
export async function listVersions(
  em: EntityManager,
  developer: OrganizationMember,
  input: { appId: string; cursor?: string | undefined; limit: number },
) {
  const app = await findOwnedApp(em, developer.organizationId, input.appId);
  const tag = listTag('apps.versions', app.id);
  const before = input.cursor ? Number(readListCursor(tag, input.cursor, ['number'])[0]) : undefined;
  const newestFirst = await em.find(
    AppVersion,
    { app: app.id, ...(before === undefined ? {} : { number: { $lt: before } }) },
    { orderBy: { number: 'desc' }, limit: input.limit + 1, populate: ['createdBy'] },
  );
  const history = versionHistory(
    newestFirst
      .map((version) => ({
        number: version.number,
        scopes: version.scopes,
        createdAt: version.createdAt,
        createdBy: { name: version.createdBy.name, email: version.createdBy.email },
      }))
      .reverse(),
  );
  return listPage(tag, history, input.limit, (version) => [version.number]);
}
