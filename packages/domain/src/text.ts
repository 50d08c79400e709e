import { z } from 'zod';
import type { FieldErrors } from './errors';

/**
 * Control characters have no place in what people type: NUL breaks the
 * PostgreSQL driver, and the others hide text or forge line breaks in logs,
 * exports and screens. Multi-line fields keep TAB, LF and CR; single-line ones
 * refuse them too. DEL and the C1 controls (U+0080–U+009F) are refused everywhere.
 */
export const CONTROL_CHARACTER_RANGES: readonly (readonly [number, number])[] = [
  [0x00, 0x1f],
  [0x7f, 0x9f],
];
/** TAB, LF and CR: the control characters a multi-line field keeps. */
const LINE_BREAKS_AND_TAB = '\t\n\r';

const hex = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;

/** The refused characters, but those in `kept`, as the inside of a regular expression's character class. */
function controlCharacterClass(kept = ''): string {
  let inside = '';
  for (const [from, to] of CONTROL_CHARACTER_RANGES) {
    let start = -1;
    for (let code = from; code <= to + 1; code++) {
      const refused = code <= to && !kept.includes(String.fromCharCode(code));
      if (refused && start < 0) start = code;
      if (!refused && start >= 0) {
        inside += start === code - 1 ? hex(start) : `${hex(start)}-${hex(code - 1)}`;
        start = -1;
      }
    }
  }
  return inside;
}

/** Every refused character as the inside of a character class, for checks written elsewhere (such as on raw URLs). */
export const CONTROL_CHARACTER_CLASS = controlCharacterClass();
const REFUSED_IN_ONE_LINE = new RegExp(`[${CONTROL_CHARACTER_CLASS}]`);
const REFUSED_IN_ANY_TEXT = new RegExp(`[${controlCharacterClass(LINE_BREAKS_AND_TAB)}]`);

export const CONTROL_CHARACTERS_MESSAGE = 'Remove the control characters (such as NUL) from this text';

/** Text any field may hold: no control characters but TAB, LF and CR. */
export function isCleanText(text: string): boolean {
  return !REFUSED_IN_ANY_TEXT.test(text);
}

/** Text a single-line field may hold: no control characters at all, line breaks and TAB included. */
export function isOneLineText(text: string): boolean {
  return !REFUSED_IN_ONE_LINE.test(text);
}

/** A place in an input: its key and its parent's place, so a path is spelled out only when reported. */
interface Place {
  key: string;
  parent: Place | null;
}

function pathOf(place: Place | null): string[] {
  const path: string[] = [];
  for (let at = place; at; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** Every string in an input (JSON-like: objects, arrays, strings) that holds a control character, by path (`tenantIds.2`, also rolled up to `tenantIds`); null when there is none. */
export function controlCharacterErrors(input: unknown): FieldErrors | null {
  let errors: FieldErrors | null = null;
  const report = (place: Place | null) => {
    const path = pathOf(place);
    errors ??= {};
    errors[path.join('.') || 'form'] ??= CONTROL_CHARACTERS_MESSAGE;
    if (path.length > 1 && path[0] !== undefined) errors[path[0]] ??= CONTROL_CHARACTERS_MESSAGE;
  };
  // A list of work rather than recursion: input nested deeply cannot overflow the stack.
  const pending: [unknown, Place | null][] = [[input, null]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [value, place] = item;
    if (typeof value === 'string') {
      if (!isCleanText(value)) report(place);
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--)
        pending.push([value[index], { key: String(index), parent: place }]);
    } else if (
      value !== null &&
      typeof value === 'object' &&
      Object.getPrototypeOf(value) === Object.prototype
    ) {
      for (const [key, element] of Object.entries(value)) {
        // None of our field names holds one; such a name is reported at its parent.
        if (isCleanText(key)) pending.push([element, { key, parent: place }]);
        else report(place);
      }
    }
  }
  return errors;
}

/** A trimmed single-line text input of at most `max` characters, such as a search or a filter. */
export function oneLineTextSchema(max: number) {
  return z
    .string()
    .trim()
    .refine(isOneLineText, CONTROL_CHARACTERS_MESSAGE)
    .max(max, `At most ${max} characters`);
}
