import { raw } from '@mikro-orm/core';

const escapeLike = (text: string) => text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Case-insensitive LIKE conditions that behave the same on SQLite and
 * PostgreSQL, with `%` and `_` in the text taken literally (SQLite has no
 * escape character unless the query names one). `column` is a trusted
 * column name, never user input.
 */
export function containsText(column: string, text: string) {
  return { [raw(`lower(${column}) like ? escape '\\'`, [`%${escapeLike(text)}%`])]: [] };
}

export function startsWithText(column: string, text: string) {
  return { [raw(`lower(${column}) like ? escape '\\'`, [`${escapeLike(text)}%`])]: [] };
}
