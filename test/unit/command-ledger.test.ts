import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CommandLedger } from '../../api/command-ledger.ts';
import { StoreUnavailableError } from '../../api/errors.ts';
import { VISIBLE_RECORD_FIELDS } from '../../shared/command-outcome.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const SINCE = new Date('2026-01-18T12:00:00.000Z');

function ledger() {
  return new CommandLedger({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    commandsTable: 'commands',
    recordTtlDays: 30,
  });
}

/** An index item: the keys only (the table's and the index's). */
const key = (commandId: string, outcome: string, processedAt: string) => ({
  commandId,
  deadLetterOutcome: outcome,
  processedAt,
});

const record = (commandId: string, status: string, processedAt: string) => ({
  commandId,
  status,
  processedAt,
  reason: `why ${commandId}`,
});

beforeEach(() => {
  dynamo.reset();
});

describe('the dead letters the ledger lists', () => {
  it('queries the dead-letters index per kind, newest first, one more than asked', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [] });

    // Act
    const found = await ledger().deadLetters(SINCE, 20);

    // Assess
    expect(found).toEqual({ records: [], more: false });
    expect(dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input)).toStrictEqual(
      ['invalid', 'exhausted'].map((outcome) => ({
        TableName: 'commands',
        IndexName: 'dead-letters',
        KeyConditionExpression: '#outcome = :outcome AND #at >= :since',
        ExpressionAttributeNames: { '#outcome': 'deadLetterOutcome', '#at': 'processedAt' },
        ExpressionAttributeValues: { ':outcome': outcome, ':since': '2026-01-18T12:00:00.000Z' },
        ScanIndexForward: false,
        Limit: 21,
      })),
    );
    // Nothing found, nothing read.
    expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(0);
  });

  it('merges both kinds newest first, keeps `limit`, and reads their visible fields only', async () => {
    // Prepare
    dynamo
      .on(QueryCommand, {
        ExpressionAttributeValues: { ':outcome': 'invalid', ':since': SINCE.toISOString() },
      })
      .resolves({
        Items: [
          key('i-2', 'invalid', '2026-02-01T10:00:00.000Z'),
          key('i-1', 'invalid', '2026-02-01T08:00:00.000Z'),
        ],
      })
      .on(QueryCommand, {
        ExpressionAttributeValues: { ':outcome': 'exhausted', ':since': SINCE.toISOString() },
      })
      .resolves({ Items: [key('e-1', 'exhausted', '2026-02-01T09:00:00.000Z')] });
    dynamo.on(BatchGetCommand).resolves({
      Responses: {
        commands: [
          record('e-1', 'dead-lettered', '2026-02-01T09:00:00.000Z'),
          record('i-2', 'invalid', '2026-02-01T10:00:00.000Z'),
        ],
      },
    });

    // Act
    const found = await ledger().deadLetters(SINCE, 2);

    // Assess
    expect(found).toEqual({
      records: [
        record('i-2', 'invalid', '2026-02-01T10:00:00.000Z'),
        record('e-1', 'dead-lettered', '2026-02-01T09:00:00.000Z'),
      ],
      more: true,
    });
    expect(dynamo.commandCalls(BatchGetCommand)[0]?.args[0].input).toStrictEqual({
      RequestItems: {
        commands: {
          Keys: [{ commandId: 'i-2' }, { commandId: 'e-1' }],
          ConsistentRead: true,
          ...VISIBLE_RECORD_FIELDS,
        },
      },
    });
  });

  it('leaves out a record that moved on since the index was written (redriven, applied)', async () => {
    // Prepare
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [key('i-1', 'invalid', '2026-02-01T08:00:00.000Z')] })
      .resolves({ Items: [] });
    dynamo.on(BatchGetCommand).resolves({
      Responses: { commands: [record('i-1', 'succeeded', '2026-02-01T08:30:00.000Z')] },
    });

    // Act and assess
    expect(await ledger().deadLetters(SINCE, 20)).toEqual({ records: [], more: false });
  });

  it('answers STORE_UNAVAILABLE when the index cannot be read', async () => {
    dynamo
      .on(QueryCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));

    await expect(ledger().deadLetters(SINCE, 20)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
