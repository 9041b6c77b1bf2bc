import { describe, expect, it } from 'vitest';
import type { UserCommand } from '../../shared/contract/commands.ts';
import { commandFingerprint } from '../../worker/fingerprint.ts';
import { actionFor, classifyError, retryDelaySeconds } from '../../worker/outcomes.ts';
import { receiveRetryDelayMs } from '../../worker/receive-backoff.ts';
import { buildSetExpression } from '../../worker/update-expression.ts';

describe('the SET expression of an update', () => {
  it('sets only the fields that are given, through name and value placeholders', () => {
    expect(
      buildSetExpression({ firstName: 'Ada', lastName: undefined, dateUpdated: 'now' }),
    ).toEqual({
      UpdateExpression: 'SET #f0 = :v0, #f1 = :v1',
      ExpressionAttributeNames: { '#f0': 'firstName', '#f1': 'dateUpdated' },
      ExpressionAttributeValues: { ':v0': 'Ada', ':v1': 'now' },
    });
  });

  it('refuses to build an empty SET', () => {
    expect(() => buildSetExpression({ firstName: undefined })).toThrow(/at least one field/);
  });
});

describe('failure classification', () => {
  it('acknowledges applied, rejected, duplicate and conflicting commands', () => {
    expect(actionFor({ kind: 'succeeded' })).toBe('acknowledge');
    expect(actionFor({ kind: 'rejected', reason: 'x' })).toBe('acknowledge');
    expect(actionFor({ kind: 'duplicate' })).toBe('acknowledge');
    expect(actionFor({ kind: 'conflict', reason: 'x' })).toBe('acknowledge');
  });

  it('dead-letters invalid messages and retries transient failures', () => {
    expect(actionFor({ kind: 'invalid', reason: 'x' })).toBe('dead-letter');
    expect(actionFor({ kind: 'transient', error: new Error('x') })).toBe('retry');
  });

  it('treats throttling, network and unknown errors as transient', () => {
    for (const name of [
      'ThrottlingException',
      'ProvisionedThroughputExceededException',
      'TransactionCanceledException',
    ]) {
      const error = Object.assign(new Error('busy'), { name });
      expect(classifyError(error).kind).toBe('transient');
    }
    expect(
      classifyError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
        .kind,
    ).toBe('transient');
    expect(classifyError('something odd').kind).toBe('transient');
  });

  it('treats a write DynamoDB refuses as invalid, since retrying cannot help', () => {
    const error = Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
      name: 'ValidationException',
    });
    expect(classifyError(error)).toEqual({
      kind: 'invalid',
      reason: 'DynamoDB refused the write: Item size has exceeded the maximum allowed size',
    });
  });

  it('spaces out receives while the queue is unreachable: 250 ms doubling, capped at 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(receiveRetryDelayMs)).toEqual([
      0, 250, 500, 1000, 2000, 4000, 5000, 5000,
    ]);
  });

  it('backs off exponentially by receive count, capped at five minutes', () => {
    expect([1, 2, 3, 4].map((count) => retryDelaySeconds(count, 2))).toEqual([2, 4, 8, 16]);
    expect(retryDelaySeconds(20, 2)).toBe(300);
  });
});

describe('command fingerprints', () => {
  const create: UserCommand = {
    schemaVersion: 1,
    commandId: 'c',
    issuedAt: '2026-01-01T00:00:00Z',
    type: 'user.create',
    payload: {
      emailAddress: 'a@x.io',
      firstName: 'A',
      lastName: 'B',
      passwordHash: `$2b$04$${'a'.repeat(53)}`,
    },
  };

  it('is the same for the same command re-hashed with a new salt (a retried API request)', () => {
    const rehashed = {
      ...create,
      issuedAt: '2026-01-01T00:00:05Z',
      payload: { ...create.payload, passwordHash: `$2b$04$${'b'.repeat(53)}` },
    };
    expect(commandFingerprint(rehashed)).toBe(commandFingerprint(create));
  });

  it('differs when the command means something else', () => {
    const renamed = { ...create, payload: { ...create.payload, firstName: 'Z' } };
    expect(commandFingerprint(renamed)).not.toBe(commandFingerprint(create));
  });
});
