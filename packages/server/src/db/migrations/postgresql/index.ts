import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128205609_initial } from './m20261128205609-initial';

/** Applied in order at start; new ones come from `make-migration`. */
export const postgresqlMigrations: MigrationObject[] = [
  { name: 'm20261128205609-initial', class: Migration20261128205609_initial },
];
