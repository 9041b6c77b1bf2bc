import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_CREDENTIALS } from '../../scripts/dev/emulators.ts';
import { createSqsClient } from '../../shared/aws-clients.ts';
import { startSqsEmulator } from '../harness/emulators.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'fauxqs-'));
let emulator: Awaited<ReturnType<typeof startSqsEmulator>>;

beforeAll(async () => {
  emulator = await startSqsEmulator({ dataDir });
});
afterAll(async () => {
  await emulator?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the SQS emulator of npm run dev, with its data directory', () => {
  it('hands a FIFO message out again at once when its visibility is set to 0 (fauxqs 2.4.1 lost it)', async () => {
    const sqs = createSqsClient(
      { region: 'us-east-1', sqsEndpoint: emulator.endpoint, dynamoDbEndpoint: undefined },
      { requestTimeoutMs: 5000, credentials: EMULATOR_CREDENTIALS },
    );
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'released.fifo',
        Attributes: { FifoQueue: 'true', VisibilityTimeout: '30' },
      }),
    );
    for (const body of ['first', 'second']) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageGroupId: 'g',
          MessageDeduplicationId: body,
        }),
      );
    }
    const taken = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(taken.Messages?.map((m) => m.Body)).toEqual(['first']);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: taken.Messages?.[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const again = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        WaitTimeSeconds: 2,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(again.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ['first', '2'],
    ]);
    sqs.destroy();
  });

  it('listens on loopback only, not on the machine’s other addresses', async () => {
    const port = Number(new URL(emulator.endpoint).port);
    const elsewhere = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
    expect(await reachable('127.0.0.1', port)).toBe(true);
    // A machine with no other interface has nothing more to show.
    if (elsewhere) expect(await reachable(elsewhere, port)).toBe(false);
  });
});

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
