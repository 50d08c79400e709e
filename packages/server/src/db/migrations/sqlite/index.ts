import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128205608_initial } from './m20261128205608-initial';

/** Applied in order at start; new ones come from `make-migration`. */
export const sqliteMigrations: MigrationObject[] = [
  { name: 'm20261128205608-initial', class: Migration20261128205608_initial },
];
