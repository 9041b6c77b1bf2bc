import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  type Action,
  actionFor,
  classifyError,
  describeFailure,
  type Outcome,
  retryDelaySeconds,
} from '../../worker/outcomes.ts';

function awsError(name: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name}: the service said something`), { name, ...fields });
}

function cancelled(...codes: (string | undefined)[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

describe('the outcome table', () => {
  const error = new Error('x');
  const rows: [Outcome, Action][] = [
    [{ kind: 'succeeded' }, 'acknowledge'],
    [{ kind: 'rejected', reason: 'x' }, 'acknowledge'],
    [{ kind: 'duplicate' }, 'acknowledge'],
    [{ kind: 'conflict', reason: 'x' }, 'acknowledge'],
    [{ kind: 'invalid', reason: 'x' }, 'dead-letter'],
    [{ kind: 'exhausted', failure: 'throttled', reason: 'x', error }, 'dead-letter'],
    [{ kind: 'transient', failure: 'throttled', reason: 'x', error }, 'retry'],
  ];

  it.each(rows.map(([outcome, action]) => ({ kind: outcome.kind, outcome, action })))(
    'answers a $kind outcome with $action',
    ({ outcome, action }) => {
      // Act
      const answered = actionFor(outcome);

      // Assess
      expect(answered).toBe(action);
    },
  );
});

describe('classifying a failed attempt', () => {
  it.each([
    'ThrottlingException',
    'ProvisionedThroughputExceededException',
    'RequestLimitExceeded',
    'TooManyRequestsException',
    'ThrottlingError',
    'ProvisionedThroughputExceeded',
  ])('retries a throttled write (%s)', (name) => {
    // Prepare
    const error = awsError(name);

    // Act
    const outcome = classifyError(error, 1, 5);

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      failure: 'throttled',
      reason: `DynamoDB throttled the write (${name})`,
      error,
    });
  });

  it('reads throttling out of a cancelled transaction, past the reasons that are not one', () => {
    // Prepare
    const error = cancelled('None', 'ConditionalCheckFailed', undefined, 'ThrottlingError');

    // Act
    const outcome = classifyError(error, 2, 5);

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      failure: 'throttled',
      reason: 'DynamoDB throttled the write (ThrottlingError)',
      error,
    });
  });

  it.each([
    'TransactionConflict',
    'TransactionConflictException',
    'TransactionInProgressException',
  ])('retries a write another transaction got in the way of (%s)', (name) => {
    // Prepare
    const error = awsError(name);

    // Act
    const outcome = classifyError(error, 1, 5);

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      failure: 'transaction-conflict',
      reason: `another transaction on the same item got in the way (${name})`,
      error,
    });
  });

  it('reads a transaction conflict out of a cancelled transaction', () => {
    // Prepare
    const error = cancelled('None', 'TransactionConflict');

    // Act
    const outcome = classifyError(error, 1, 5);

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      failure: 'transaction-conflict',
      reason: 'another transaction on the same item got in the way (TransactionConflict)',
      error,
    });
  });

  it('retries a cancelled transaction that gives no reasons, as unexpected', () => {
    // Prepare
    const error = awsError('TransactionCanceledException');

    // Act
    const outcome = classifyError(error, 1, 5);

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      failure: 'unexpected',
      reason: 'unexpected error (TransactionCanceledException)',
      error,
    });
  });

  it('takes a transaction cancelled for a reason it does not know as unexpected', () => {
    // Prepare
    const error = cancelled('None', 'ItemCollectionSizeLimitExceeded');

    // Act
    const outcome = classifyError(error, 1, 5);

    // Assess
    expect(outcome).toMatchObject({
      kind: 'transient',
      failure: 'unexpected',
      reason: 'unexpected error (TransactionCanceledException)',
    });
  });

  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH',
  ])('retries when DynamoDB cannot be reached (%s)', (code) => {
    // Prepare
    const error = Object.assign(new Error(`connect ${code} 10.0.0.1:8000`), { code });

    // Act
    const outcome = classifyError(error, 1, 5);

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      failure: 'unreachable',
      reason: `DynamoDB could not be reached (${code})`,
      error,
    });
  });

  it('retries a request that timed out', () => {
    // Prepare
    const error = awsError('TimeoutError');

    // Act
    const outcome = classifyError(error, 1, 5);

    // Assess
    expect(outcome).toMatchObject({
      kind: 'transient',
      failure: 'unreachable',
      reason: 'DynamoDB could not be reached (TimeoutError)',
    });
  });

  it('does not take every error code for a network failure', () => {
    // Prepare
    const error = Object.assign(new Error('permission denied'), { code: 'EACCES' });

    // Act
    const outcome = classifyError(error, 1, 5);

    // Assess
    expect(outcome).toMatchObject({ failure: 'unexpected', reason: 'unexpected error (Error)' });
  });

  it.each([500, 503])('retries a %i answer from DynamoDB as a service error', (status) => {
    // Prepare
    const error = awsError('InternalServerError', { $metadata: { httpStatusCode: status } });

    // Act
    const outcome = classifyError(error, 1, 5);

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      failure: 'service-error',
      reason: `DynamoDB answered ${status} (InternalServerError)`,
      error,
    });
  });

  it('does not take a 4xx answer for a service error', () => {
    // Prepare
    const error = awsError('AccessDeniedException', { $metadata: { httpStatusCode: 499 } });

    // Act
    const outcome = classifyError(error, 1, 5);

    // Assess
    expect(outcome).toMatchObject({
      failure: 'unexpected',
      reason: 'unexpected error (AccessDeniedException)',
    });
  });

  it('retries an unknown error as unexpected, naming it without quoting its message', () => {
    // Prepare
    const error = new Error('cannot write ada@example.com: hunter2');

    // Act
    const outcome = classifyError(error, 1, 5);

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      failure: 'unexpected',
      reason: 'unexpected error (Error)',
      error,
    });
  });

  it.each([
    ['a string', 'ada@example.com broke'],
    ['undefined', undefined],
    ['null', null],
  ])('retries %s thrown instead of an error as unexpected', (_label, thrown) => {
    // Act
    const outcome = classifyError(thrown, 1, 5);

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      failure: 'unexpected',
      reason: 'unexpected error (Error)',
      error: thrown,
    });
  });

  it.each(['ValidationException', 'SerializationException'])(
    'finds a write DynamoDB refuses (%s) invalid, since retrying cannot help',
    (name) => {
      // Prepare
      const error = Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
        name,
      });

      // Act
      const outcome = classifyError(error, 1, 5);

      // Assess
      expect(outcome).toEqual({
        kind: 'invalid',
        reason: 'DynamoDB refused the write: Item size has exceeded the maximum allowed size',
      });
    },
  );

  it('finds a refused write invalid on the last attempt too, not exhausted', () => {
    // Prepare
    const error = awsError('ValidationException');

    // Act
    const outcome = classifyError(error, 5, 5);

    // Assess
    expect(outcome.kind).toBe('invalid');
  });

  it('only trusts a thrown Error to be a refused write, not an object with its name', () => {
    // Prepare
    const error = { name: 'ValidationException', message: 'quoting ada@example.com' };

    // Act
    const outcome = classifyError(error, 1, 5);

    // Assess
    expect(outcome).toEqual({
      kind: 'transient',
      failure: 'unexpected',
      reason: 'unexpected error (ValidationException)',
      error,
    });
  });

  it('gives up on the last attempt, saying how many there were and why', () => {
    // Prepare
    const error = awsError('ThrottlingException');

    // Act
    const outcome = classifyError(error, 5, 5);

    // Assess
    expect(outcome).toEqual({
      kind: 'exhausted',
      failure: 'throttled',
      reason: 'gave up after 5 attempts: DynamoDB throttled the write (ThrottlingException)',
      error,
    });
  });

  it('gives up on an attempt past the last one as well', () => {
    // Prepare
    const error = new Error('ada@example.com');

    // Act
    const outcome = classifyError(error, 7, 5);

    // Assess
    expect(outcome).toEqual({
      kind: 'exhausted',
      failure: 'unexpected',
      reason: 'gave up after 7 attempts: unexpected error (Error)',
      error,
    });
  });

  it('still retries on the attempt before the last', () => {
    // Act
    const outcome = classifyError(awsError('ThrottlingException'), 4, 5);

    // Assess
    expect(outcome.kind).toBe('transient');
  });

  it('describes a failure by its class without an attempt count', () => {
    // Act
    const described = describeFailure(awsError('ProvisionedThroughputExceededException'));

    // Assess
    expect(described).toEqual({
      failure: 'throttled',
      reason: 'DynamoDB throttled the write (ProvisionedThroughputExceededException)',
    });
  });
});

describe('the retry delay', () => {
  it('doubles by receive count from the base', () => {
    // Act
    const delays = [1, 2, 3, 4].map((count) => retryDelaySeconds(count, 2));

    // Assess
    expect(delays).toEqual([2, 4, 8, 16]);
  });

  it('starts at the base for a message that tells no receive count', () => {
    // Act
    const delay = retryDelaySeconds(0, 3);

    // Assess
    expect(delay).toBe(3);
  });

  it('is capped at five minutes, the cap itself included', () => {
    // Act
    const delays = [retryDelaySeconds(20, 2), retryDelaySeconds(2, 150), retryDelaySeconds(9, 1)];

    // Assess
    expect(delays).toEqual([300, 300, 256]);
  });
});
