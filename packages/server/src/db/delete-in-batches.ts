import type { EntityName, FilterQuery, QueryOrderMap } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';

export interface BatchDelete<T extends { id: string | number }> {
  entity: EntityName<T>;
  /** The rows to delete; asked again of each batch's ids, so a row that changed meanwhile stays. */
  where: FilterQuery<T>;
  /** The index the batches walk, oldest first. */
  orderBy: QueryOrderMap<T>;
  batchSize: number;
  /** Runs between two batches (a pause, so that others' writes go in between). */
  between?: () => Promise<void>;
}

/**
 * Deletes the rows `where` names a batch at a time along an index: a short lock
 * each, however many are due at once. Any instance may run it at any time: two
 * at once delete the same rows once. Answers how many rows it deleted.
 */
export async function deleteInBatches<T extends { id: string | number }>(
  em: () => EntityManager,
  { entity, where, orderBy, batchSize, between }: BatchDelete<T>,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch: { id: string | number }[] = await em()
      .createQueryBuilder(entity)
      .select('id')
      .where(where)
      .orderBy(orderBy)
      .limit(batchSize)
      .execute('all');
    if (batch.length === 0) break;
    deleted += await em().nativeDelete(entity, {
      $and: [where, { id: { $in: batch.map((row) => row.id) } }],
    } as FilterQuery<T>);
    if (batch.length < batchSize) break;
    await between?.();
  }
  return deleted;
}
