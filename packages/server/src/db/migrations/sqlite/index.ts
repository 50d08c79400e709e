import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128201110_initial } from './m20261128201110-initial';

/** Applied in order at start; new ones come from `make-migration`. */
export const sqliteMigrations: MigrationObject[] = [
  { name: 'm20261128201110-initial', class: Migration20261128201110_initial },
];
