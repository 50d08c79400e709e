/**
 * Control characters have no place in what people type: NUL breaks the
 * PostgreSQL driver, and the others hide text or forge line breaks in logs,
 * exports and screens. Multi-line fields keep TAB, LF and CR; single-line ones
 * refuse them too. DEL and the C1 controls (U+0080–U+009F) are refused everywhere.
 */
const REFUSED_IN_ANY_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const REFUSED_IN_ONE_LINE = /[\u0000-\u001f\u007f-\u009f]/;

export const CONTROL_CHARACTERS_MESSAGE = 'Remove the control characters (such as NUL) from this text';

/** Text any field may hold: no control characters but TAB, LF and CR. */
export function isCleanText(text: string): boolean {
  return !REFUSED_IN_ANY_TEXT.test(text);
}

/** Text a single-line field may hold: no control characters at all, line breaks and TAB included. */
export function isOneLineText(text: string): boolean {
  return !REFUSED_IN_ONE_LINE.test(text);
}
