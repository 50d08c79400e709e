import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128201111_initial } from './m20261128201111-initial';

/** Applied in order at start; new ones come from `make-migration`. */
export const postgresqlMigrations: MigrationObject[] = [
  { name: 'm20261128201111-initial', class: Migration20261128201111_initial },
];
