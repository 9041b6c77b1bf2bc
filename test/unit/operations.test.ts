import { describe, expect, it, vi } from 'vitest';
import {
  cachedOperations,
  type OperationsSources,
  QueuesUnavailableError,
} from '../../api/operations.ts';
import type { CommandRecord } from '../../shared/command-record.ts';

const T0 = Date.parse('2026-02-01T12:00:00.000Z');

function record(fields: Partial<CommandRecord>): CommandRecord {
  return {
    commandId: 'c-1',
    status: 'invalid',
    fingerprint: 'f'.repeat(64),
    expiresAt: 1,
    processedAt: '2026-02-01T11:59:00.000Z',
    ...fields,
  };
}

/** Sources that count their calls, with answers a test may change. */
function fakeSources(records: CommandRecord[] = []) {
  const sources = {
    queueDepth: vi.fn<OperationsSources['queueDepth']>(async (queue) =>
      queue === 'command' ? { visible: 3, inFlight: 1 } : { visible: 2, inFlight: 0 },
    ),
    deadLetters: vi.fn<OperationsSources['deadLetters']>(async () => ({ records, more: false })),
  };
  return sources;
}

describe('the operations figures', () => {
  it('reads both queues and the recorded dead letters of the window, showing only safe fields', async () => {
    // Prepare
    const sources = fakeSources([
      record({
        commandId: 'c-1',
        type: 'user.create',
        reason: 'payload.emailAddress: must be a valid email address',
        attempts: 1,
        passwordHash: `$2b$10$${'a'.repeat(53)}`,
        messageHash: 'm'.repeat(64),
      }),
      record({
        commandId: 'c-2',
        status: 'dead-lettered',
        type: 'user.update',
        failure: 'throttled',
        reason: 'gave up after 5 attempts: DynamoDB throttled the write (ThrottlingException)',
        attempts: 5,
        processedAt: '2026-02-01T11:58:00.000Z',
      }),
      // Redriven and applied since the index was read: not a dead letter any more.
      record({ commandId: 'c-3', status: 'succeeded' }),
    ]);
    const operations = cachedOperations(sources, { now: () => T0, windowSeconds: 3600, limit: 5 });

    // Act
    const snapshot = await operations.read();

    // Assess
    expect(snapshot).toStrictEqual({
      takenAt: '2026-02-01T12:00:00.000Z',
      commandQueue: { visible: 3, inFlight: 1 },
      deadLetterQueue: { visible: 2, inFlight: 0 },
      deadLetters: {
        since: '2026-02-01T11:00:00.000Z',
        items: [
          {
            commandId: 'c-1',
            type: 'user.create',
            status: 'invalid',
            reason: 'payload.emailAddress: must be a valid email address',
            attempts: 1,
            at: '2026-02-01T11:59:00.000Z',
          },
          {
            commandId: 'c-2',
            type: 'user.update',
            status: 'dead-lettered',
            reason: 'gave up after 5 attempts: DynamoDB throttled the write (ThrottlingException)',
            failure: 'throttled',
            attempts: 5,
            at: '2026-02-01T11:58:00.000Z',
          },
        ],
        more: false,
      },
    });
    expect(sources.deadLetters).toHaveBeenCalledWith(new Date('2026-02-01T11:00:00.000Z'), 5);
  });

  it('serves every request within the cache period from one reading, then reads again', async () => {
    // Prepare
    let now = T0;
    const sources = fakeSources();
    const operations = cachedOperations(sources, { now: () => now, cacheMs: 2000 });

    // Act
    const first = await Promise.all([operations.read(), operations.read()]);
    now = T0 + 1999;
    const cached = await operations.read();
    now = T0 + 2000;
    const fresh = await operations.read();

    // Assess
    expect(first[1]).toBe(first[0]);
    expect(cached).toBe(first[0]);
    expect(fresh.takenAt).toBe('2026-02-01T12:00:02.000Z');
    expect(sources.queueDepth).toHaveBeenCalledTimes(4);
    expect(sources.deadLetters).toHaveBeenCalledTimes(2);
  });

  it('answers QUEUES_UNAVAILABLE when SQS fails, and keeps the failure as long as a reading', async () => {
    // Prepare
    let now = T0;
    const sources = fakeSources();
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    sources.queueDepth.mockRejectedValue(outage);
    const operations = cachedOperations(sources, { now: () => now });

    // Act
    const failure = await operations.read().catch((error: unknown) => error);
    const again = await operations.read().catch((error: unknown) => error);
    now = T0 + 2000;
    sources.queueDepth.mockResolvedValue({ visible: 0, inFlight: 0 });
    const recovered = await operations.read();

    // Assess
    expect(failure).toBeInstanceOf(QueuesUnavailableError);
    expect(failure).toMatchObject({ code: 'QUEUES_UNAVAILABLE', statusCode: 503, cause: outage });
    expect(again).toBe(failure);
    expect(recovered.commandQueue).toEqual({ visible: 0, inFlight: 0 });
  });

  it('passes on a failure of the dead-letter read as it came (the ledger maps it)', async () => {
    const sources = fakeSources();
    const unavailable = new Error('store unavailable');
    sources.deadLetters.mockRejectedValue(unavailable);

    await expect(cachedOperations(sources, { now: () => T0 }).read()).rejects.toBe(unavailable);
  });
});
