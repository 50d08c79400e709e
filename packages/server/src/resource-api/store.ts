import type { Environment } from '@gatehouse/domain';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { ReadThroughCache } from '../cache';
import { ResourceRecord } from '../db/entities';
import type { Database } from '../db/orm';
import { recordEvent } from '../events/record';
import { STATE_TTL_MS } from '../oauth/access-state';
import { DEMO_RESOURCES, type DemoResource, generateDemoData } from './demo-data';

export type ResourceRow = Record<string, unknown> & { id: number; modifiedOn: string };

export interface Snapshot {
  rows: ResourceRow[];
  byId: Map<number, ResourceRow>;
  /** Records as JSON, written on first read: a snapshot never changes, so neither does its JSON. */
  json: Map<number, string>;
}

/** A record of the snapshot as the JSON the API answers with, or undefined when there is no such record. */
export function recordJson(snapshot: Snapshot, id: number): string | undefined {
  let json = snapshot.json.get(id);
  if (json === undefined) {
    const row = snapshot.byId.get(id);
    if (!row) return undefined;
    json = JSON.stringify(row);
    snapshot.json.set(id, json);
  }
  return json;
}

/**
 * A tenant's demo records per environment, in the database. Each tenant and
 * environment is seeded on first use; reads come from a snapshot of one
 * resource, dropped when any instance writes to it (a `resource.changed`
 * event on the change feed carries the news).
 */
export class ResourceStore {
  private readonly snapshots = new ReadThroughCache<string, Snapshot>(STATE_TTL_MS, 10_000);
  private readonly seeded = new Map<string, Promise<void>>();
  private readonly creating = new Map<string, Promise<unknown>>();

  constructor(private readonly db: Database) {
    db.feed.subscribe((events) => {
      for (const event of events)
        if (event.type === 'resource.changed')
          this.snapshots.delete(`${event.tenantId}|${event.environment}|${event.data?.resource}`);
    });
  }

  /** The snapshot if it is cached: a warm read needs no promise. */
  cachedList(tenantId: string, environment: Environment, resource: DemoResource): Snapshot | undefined {
    return this.snapshots.peek(`${tenantId}|${environment}|${resource}`);
  }

  /** Seeded first, outside the snapshot's load: the seeding's own events must not drop what it loads. */
  async list(tenantId: string, environment: Environment, resource: DemoResource): Promise<Snapshot> {
    await this.ensureSeeded(tenantId, environment);
    return this.snapshots.get(`${tenantId}|${environment}|${resource}`, () =>
      this.load(tenantId, environment, resource),
    );
  }

  async create(
    tenantId: string,
    environment: Environment,
    resource: DemoResource,
    data: Record<string, unknown>,
  ): Promise<ResourceRow> {
    await this.ensureSeeded(tenantId, environment);
    // Creates of one resource queue up in this instance: run together, they would all read the same last id.
    const key = `${tenantId}|${environment}|${resource}`;
    const mine = (this.creating.get(key) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.insertNext(tenantId, environment, resource, data));
    this.creating.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.creating.get(key) === mine) this.creating.delete(key);
    }
  }

  private async insertNext(
    tenantId: string,
    environment: Environment,
    resource: DemoResource,
    data: Record<string, unknown>,
  ): Promise<ResourceRow> {
    for (let attempt = 0; ; attempt++) {
      const em = this.db.em();
      const last = await em.findOne(
        ResourceRecord,
        { tenantId, environment, resource },
        { orderBy: { recordId: 'desc' } },
      );
      const recordId = (last?.recordId ?? 0) + 1;
      const modifiedOn = new Date();
      try {
        await em.transactional(async (tx) => {
          await tx.insert(ResourceRecord, {
            pk: crypto.randomUUID(),
            tenantId,
            environment,
            resource,
            recordId,
            data,
            modifiedOn,
          });
          recordEvent(tx, { type: 'resource.changed', tenantId, environment, data: { resource, recordId } });
        });
      } catch (error) {
        // Another instance took this id: take the next one.
        if (!(error instanceof UniqueConstraintViolationException) || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
        continue;
      }
      await this.db.feed.catchUp();
      return { ...data, id: recordId, modifiedOn: modifiedOn.toISOString() };
    }
  }

  async update(
    tenantId: string,
    environment: Environment,
    resource: DemoResource,
    id: number,
    patch: Record<string, unknown>,
  ): Promise<ResourceRow | null> {
    await this.ensureSeeded(tenantId, environment);
    const row = await this.db.em().transactional(async (em) => {
      const record = await em.findOne(ResourceRecord, { tenantId, environment, resource, recordId: id });
      if (!record) return null;
      record.data = { ...record.data, ...patch };
      record.modifiedOn = new Date();
      recordEvent(em, { type: 'resource.changed', tenantId, environment, data: { resource, recordId: id } });
      await em.flush();
      return toRow(record);
    });
    if (row) await this.db.feed.catchUp();
    return row;
  }

  private ensureSeeded(tenantId: string, environment: Environment): Promise<void> {
    const key = `${tenantId}|${environment}`;
    let seeding = this.seeded.get(key);
    if (!seeding) {
      seeding = this.seed(tenantId, environment);
      this.seeded.set(key, seeding);
      seeding.catch(() => this.seeded.delete(key));
    }
    return seeding;
  }

  private async seed(tenantId: string, environment: Environment): Promise<void> {
    const em = this.db.em();
    if ((await em.count(ResourceRecord, { tenantId, environment })) > 0) return;
    const data = generateDemoData(tenantId, environment);
    // After every generated date: the demo data was last touched when it was made.
    const modifiedOn = new Date(Date.UTC(2026, 10, 28));
    const rows = (Object.keys(DEMO_RESOURCES) as DemoResource[]).flatMap((resource) =>
      data[resource].map(({ id, ...fields }) => ({
        pk: crypto.randomUUID(),
        tenantId,
        environment,
        resource,
        recordId: id,
        data: fields,
        modifiedOn,
      })),
    );
    // One transaction, with an event per resource: no instance reads half a seeding, and one that cached
    // a resource empty meanwhile drops it.
    await em.transactional(async (tx) => {
      for (let i = 0; i < rows.length; i += 100) {
        // Two instances may seed at once: the unique key lets the second one's rows fall away.
        await tx
          .createQueryBuilder(ResourceRecord)
          .insert(rows.slice(i, i + 100))
          .onConflict(['tenantId', 'environment', 'resource', 'recordId'])
          .ignore()
          .execute();
      }
      for (const resource of Object.keys(DEMO_RESOURCES) as DemoResource[])
        recordEvent(tx, { type: 'resource.changed', tenantId, environment, data: { resource } });
    });
    // Delivered here before anything is loaded, rather than after, when they would drop fresh snapshots.
    await this.db.feed.catchUp();
  }

  private async load(tenantId: string, environment: Environment, resource: DemoResource): Promise<Snapshot> {
    const records = await this.db
      .em()
      .find(ResourceRecord, { tenantId, environment, resource }, { orderBy: { recordId: 'asc' } });
    const rows = records.map(toRow);
    return { rows, byId: new Map(rows.map((r) => [r.id, r])), json: new Map() };
  }
}

function toRow(record: { recordId: number; data: Record<string, unknown>; modifiedOn: Date }): ResourceRow {
  return { id: record.recordId, ...record.data, modifiedOn: record.modifiedOn.toISOString() };
}
