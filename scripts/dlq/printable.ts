/** Control characters, and the bidirectional controls used to disguise text. */
const UNPRINTABLE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * A value from a message, made safe to print: control characters (newlines included) and
 * bidirectional controls become visible \u escapes, so a message body cannot clear the
 * operator's terminal, move its cursor, fake a line of output or reorder what it shows.
 */
export function printable(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** JSON for operators: every string value passed through printable(). */
export function printableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? printable(v) : v), 2);
}
