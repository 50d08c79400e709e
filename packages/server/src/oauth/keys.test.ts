import { describe, expect, it } from 'vitest';
import { dialects, emptyDatabase } from '#test/harness';
import { migrate, openDatabase } from '../db/orm';
import { loadSigningKeys } from './keys';

describe.runIf(dialects.includes('postgresql'))('the first signing key on PostgreSQL', () => {
  it('is one key, whichever of several instances starting together makes it', async () => {
    const { url, drop } = await emptyDatabase('postgresql');
    const instances = await Promise.all([1, 2, 3, 4].map(() => openDatabase(url)));
    try {
      await migrate(instances[0]!);
      const loaded = await Promise.all(instances.map((db) => loadSigningKeys(db.em())));
      const kids = new Set(loaded.map((keys) => keys.current.kid));
      expect(kids.size).toBe(1);
      // Every instance verifies what any other signs.
      for (const keys of loaded) expect([...keys.verifiers.keys()]).toEqual([...kids]);
    } finally {
      await Promise.all(instances.map((db) => db.close()));
      await drop();
    }
  });
});
