/**
 * The API's field rules (shared/contract/fields.ts), restated for the browser so people see
 * them before submitting. Messages use the API's words, so a message reads the same whichever
 * side caught it. The email check is deliberately loose (something@something): the API is the
 * authority on address syntax, and its messages land at the same field.
 */

export const NAME_MAX = 100;
export const EMAIL_MAX = 254;
export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 72;

const utf8 = new TextEncoder();
// Lengths in Unicode code points, as the API's schema library counts them: an emoji is one.
const length = (text) => [...text].length;

// The same set as FORBIDDEN_NAME_CHARACTERS in shared/contract/fields.ts.
const FORBIDDEN_NAME_CHARACTERS =
  /[\p{Cc}\p{Cs}\uFDD0-\uFDEF\uFFFE\uFFFF\u202A-\u202E\u2066-\u2069]/u;

function checkName(value) {
  const trimmed = value.trim();
  if (trimmed.length === 0) return 'must not be empty';
  if (length(trimmed) > NAME_MAX) return `must be at most ${NAME_MAX} characters`;
  if (FORBIDDEN_NAME_CHARACTERS.test(trimmed)) {
    return 'must not contain control characters or bidirectional overrides';
  }
  return undefined;
}

function checkEmail(value) {
  const email = value.trim();
  if (email.length === 0) return 'must not be empty';
  if (length(email) > EMAIL_MAX) return `must be at most ${EMAIL_MAX} characters`;
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) return 'must be a valid email address';
  return undefined;
}

function checkPassword(value) {
  const bytes = utf8.encode(value).length;
  if (bytes < PASSWORD_MIN_BYTES || bytes > PASSWORD_MAX_BYTES) {
    return `must be ${PASSWORD_MIN_BYTES}-${PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt's limit), got ${bytes}`;
  }
  return undefined;
}

/** Per field: the hint shown beside it, the check, and how the API will normalise it. */
export const RULES = {
  firstName: { hint: `1–${NAME_MAX} characters.`, check: checkName, normalise: (v) => v.trim() },
  lastName: { hint: `1–${NAME_MAX} characters.`, check: checkName, normalise: (v) => v.trim() },
  emailAddress: {
    hint: `At most ${EMAIL_MAX} characters; stored in lower case.`,
    check: checkEmail,
    normalise: (v) => v.trim().toLowerCase(),
  },
  password: {
    hint: `${PASSWORD_MIN_BYTES}–${PASSWORD_MAX_BYTES} bytes (most characters are one byte).`,
    check: checkPassword,
    normalise: (v) => v,
  },
};

/**
 * Checks the named values; optional fields left blank are dropped rather than checked, as
 * the API reads a missing field as "keep the current value".
 * @param {Record<string, string>} raw
 * @param {string[]} optional
 * @returns {{ values: Record<string, string>, errors: Record<string, string> }}
 */
export function checkFields(raw, optional = []) {
  const values = {};
  const errors = {};
  for (const [name, value] of Object.entries(raw)) {
    const rule = RULES[name];
    if (!rule) continue;
    // Spaces can be a password, but a name of spaces is a blank left to keep the old one.
    const blank = name === 'password' ? value === '' : value.trim() === '';
    if (optional.includes(name) && blank) continue;
    const message = rule.check(value);
    if (message) errors[name] = message;
    else values[name] = rule.normalise(value);
  }
  return { values, errors };
}
