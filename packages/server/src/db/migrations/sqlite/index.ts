import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128195231_initial } from './m20261128195231-initial';

/** Applied in order at start; new ones come from `make-migration`. */
export const sqliteMigrations: MigrationObject[] = [
  { name: 'm20261128195231-initial', class: Migration20261128195231_initial },
];
