import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { OutcomeTimeoutError, waitForOutcome } from '../../shared/client/index.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const table = { dynamodb: client, commandsTable: 'commands-test' };

afterEach(() => {
  dynamo.reset();
});

describe('waitForOutcome on the commands table', () => {
  it('reads the record until it settles, and answers what GET /commands/{id} would', async () => {
    // Prepare: no record yet, the API's reservation, a transient failure, then the outcome.
    dynamo
      .on(GetCommand)
      .resolvesOnce({})
      .resolvesOnce({ Item: { commandId: 'c-1', status: 'accepted', type: 'user.create' } })
      .resolvesOnce({ Item: { commandId: 'c-1', status: 'retrying', failure: 'throttled' } })
      .resolves({
        Item: {
          commandId: 'c-1',
          status: 'rejected',
          type: 'user.create',
          reason: 'a user with this email already exists',
          attempts: 2,
          processedAt: '2026-02-01T00:00:00.000Z',
          conflictingFingerprints: new Set(['other']),
        },
      });

    // Act
    const outcome = await waitForOutcome('c-1', { ...table, timeoutMs: 5_000 });

    // Assess: the API's shape (no absent fields as undefined), and four consistent reads of
    // the visible fields only.
    expect(outcome).toStrictEqual({
      commandId: 'c-1',
      status: 'rejected',
      type: 'user.create',
      reason: 'a user with this email already exists',
      attempts: 2,
      processedAt: '2026-02-01T00:00:00.000Z',
      reusedForOtherContent: true,
    });
    const reads = dynamo.commandCalls(GetCommand);
    expect(reads).toHaveLength(4);
    for (const read of reads) {
      expect(read.args[0].input).toMatchObject({
        TableName: 'commands-test',
        Key: { commandId: 'c-1' },
        ConsistentRead: true,
      });
      const fields = Object.values(read.args[0].input.ExpressionAttributeNames ?? {});
      expect(fields).toContain('status');
      expect(fields).not.toContain('passwordHash');
      expect(fields).not.toContain('fingerprint');
    }
  });

  it.each([
    ['no record', {}, 'pending'],
    ['the API’s reservation', { Item: { commandId: 'c-2', status: 'accepted' } }, 'pending'],
    ['a retrying command', { Item: { commandId: 'c-2', status: 'retrying' } }, 'retrying'],
  ])(
    'gives up after timeoutMs on %s, with an OutcomeTimeoutError naming the status',
    async (_, answer, status) => {
      dynamo.on(GetCommand).resolves(answer);
      const started = Date.now();

      const error = await waitForOutcome('c-2', { ...table, timeoutMs: 120 }).catch(
        (e: unknown) => e,
      );

      expect(error).toBeInstanceOf(OutcomeTimeoutError);
      expect(error).toMatchObject({
        commandId: 'c-2',
        status,
        message: `command c-2 still ${status} after 120 ms`,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(115);
      // Read again at the deadline, not just before it.
      expect(dynamo.commandCalls(GetCommand).length).toBeGreaterThanOrEqual(3);
    },
  );

  it('passes on a failed read, for the caller to report', async () => {
    dynamo
      .on(GetCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));
    await expect(waitForOutcome('c-3', table)).rejects.toThrow('not allowed');
  });
});
