import { raw } from '@mikro-orm/core';

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A case-insensitive "contains" condition that behaves alike on SQLite and
 * PostgreSQL, with `%` and `_` in the text taken literally (SQLite has no
 * escape character unless the query names one). Both sides are lower-cased
 * by the database, so a name typed as it is stored is always found: SQLite's
 * `lower()` folds only ASCII letters, and a text folded by JavaScript would
 * miss "École" there. `column` is a trusted column name, never user input.
 */
export function containsText(column: string, text: string) {
  return { [raw(`lower(${column}) like lower(?) escape '\\'`, [`%${escapeLike(text)}%`])]: [] };
}
