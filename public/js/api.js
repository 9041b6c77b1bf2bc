/**
 * The page's only door to the API. Every failure becomes an ApiError whose `kind` says what
 * the person can do about it: fix a field ('invalid'), read a message ('refused'), or try
 * again later ('unavailable': no answer, or a 5xx).
 */

export class ApiError extends Error {
  /**
   * @param {'invalid' | 'refused' | 'unavailable'} kind
   * @param {string} message
   * @param {{ status?: number, code?: string, details?: { field: string, message: string }[] }} [info]
   */
  constructor(kind, message, info = {}) {
    super(message);
    this.kind = kind;
    this.status = info.status;
    this.code = info.code;
    this.details = info.details ?? [];
  }
}

const UNREACHABLE = 'The service could not be reached.';

async function request(method, path, { body, headers = {}, signal } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
      signal,
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError('unavailable', UNREACHABLE);
  }
  const payload = await response.json().catch(() => undefined);
  if (response.ok) return payload;
  if (response.status >= 500 || payload === undefined) {
    // A 5xx body is never shown (it could hold internals); only a 503 says something useful.
    const message =
      response.status === 503 && ['QUEUE_UNAVAILABLE', 'LEDGER_UNAVAILABLE'].includes(payload?.code)
        ? payload.message
        : `The service failed to answer (HTTP ${response.status}).`;
    throw new ApiError('unavailable', message, { status: response.status, code: payload?.code });
  }
  const kind = payload.code === 'VALIDATION_FAILED' ? 'invalid' : 'refused';
  throw new ApiError(kind, payload.message, { status: response.status, ...payload });
}

/**
 * A command id made here, sent as the Idempotency-Key: a retry after a lost answer reuses it,
 * so the worker applies the command once. getRandomValues, because randomUUID needs https.
 */
export function newCommandId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

const userPath = (email) => `/users/${encodeURIComponent(email)}`;
const keyed = (commandId) => ({ 'idempotency-key': commandId });

export const api = {
  createUser: (user, commandId) =>
    request('POST', '/users', { body: user, headers: keyed(commandId) }),
  updateUser: (email, changes, commandId) =>
    request('PATCH', userPath(email), { body: changes, headers: keyed(commandId) }),
  deleteUser: (email, commandId) =>
    request('DELETE', userPath(email), { headers: keyed(commandId) }),
  getUser: (email) => request('GET', userPath(email)),
  listUsers: (limit, cursor) =>
    request('GET', `/users?${new URLSearchParams(cursor ? { limit, cursor } : { limit })}`),
  getCommand: (commandId) => request('GET', `/commands/${encodeURIComponent(commandId)}`),
  operations: () => request('GET', '/operations'),
  /** Long-polls: the API holds the request until the outcome is known or the wait is over. */
  waitForCommand: (commandId, waitSeconds) =>
    request('GET', `/commands/${encodeURIComponent(commandId)}?waitSeconds=${waitSeconds}`),
};
