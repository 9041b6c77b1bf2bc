import { randomUUID } from 'node:crypto';
import type { SubmittedCommand } from './model.ts';

/** One HTTP command request, with the command it stands for (its key is the command id). */
export interface HttpStep {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: Record<string, string>;
  submitted: SubmittedCommand;
}

export type HttpAnswer =
  | {
      step: HttpStep;
      status: number;
      body: unknown;
      headers: Headers;
      startedAt: number;
      endedAt: number;
    }
  /** No HTTP answer at all (connection refused or reset): the command was not accepted. */
  | { step: HttpStep; status: 'no answer'; error: string; startedAt: number; endedAt: number };

/**
 * One script of HTTP commands per user, each with its own Idempotency-Key (so a client may
 * repeat a request it got no 202 for), mixing outcomes a reorder or a double apply would
 * change: a second create that must be rejected, an update after a delete, password changes.
 */
export function planHttpScripts(label: string, users: number): HttpStep[][] {
  return Array.from({ length: users }, (_, i) => {
    const emailAddress = `${label}-${i}-${randomUUID().slice(0, 6)}@example.com`;
    const path = `/users/${encodeURIComponent(emailAddress)}`;
    const step = (method: HttpStep['method'], body?: Record<string, string>): HttpStep => {
      const commandId = `${label}-${randomUUID()}`;
      const type =
        method === 'POST' ? 'user.create' : method === 'PATCH' ? 'user.update' : 'user.delete';
      return {
        method,
        path: method === 'POST' ? '/users' : path,
        ...(body ? { body } : {}),
        submitted: { commandId, type, emailAddress, ...body, viaApiWithKey: true },
      };
    };
    const create = (firstName: string) =>
      step('POST', { firstName, lastName: `L${i}`, emailAddress, password: `first-pw-${i}` });
    const scripts = [
      () => [
        create('A'),
        step('PATCH', { firstName: 'B' }),
        step('PATCH', { password: `second-pw-${i}` }),
      ],
      () => [create('A'), step('DELETE'), step('PATCH', { lastName: 'Ghost' })],
      () => [create('A'), create('Again'), step('PATCH', { lastName: 'M' })],
    ];
    return (scripts[i % scripts.length] as () => HttpStep[])();
  });
}

export async function sendStep(baseUrl: string, step: HttpStep): Promise<HttpAnswer> {
  const startedAt = performance.now();
  try {
    const response = await fetch(`${baseUrl}${step.path}`, {
      method: step.method,
      headers: {
        'idempotency-key': step.submitted.commandId,
        ...(step.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(step.body ? { body: JSON.stringify(step.body) } : {}),
      // A hang is a failure too: no request may take this long.
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    return {
      step,
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      headers: response.headers,
      startedAt,
      endedAt: performance.now(),
    };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') throw error;
    const cause = (error as { cause?: { code?: string } }).cause;
    return {
      step,
      status: 'no answer',
      error: cause?.code ?? (error as Error).message,
      startedAt,
      endedAt: performance.now(),
    };
  }
}
