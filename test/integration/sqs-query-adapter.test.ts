import { createHash, randomUUID } from 'node:crypto';
import { CreateQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EMULATOR_CREDENTIALS } from '../../scripts/dev/emulators.ts';
import { createSqsClient } from '../../shared/aws-clients.ts';
import { type SqsQueryAdapter, startSqsQueryAdapter } from '../support/sqs-query-adapter.ts';

/**
 * The adapter that lets the publishing examples run with tools too old for SQS's JSON protocol
 * (test/integration/foreign-publishers.test.ts), against the suite's fauxqs, with requests as a
 * query-protocol client sends them. Each test uses a queue of its own that nothing consumes.
 */
let sqs: SQSClient;
let adapter: SqsQueryAdapter;

beforeAll(async () => {
  const endpoint = inject('emulatorEnv').AWS_ENDPOINT_URL_SQS ?? '';
  sqs = createSqsClient(
    { region: 'us-east-1', sqsEndpoint: endpoint, dynamoDbEndpoint: undefined },
    { requestTimeoutMs: 10_000, credentials: EMULATOR_CREDENTIALS },
  );
  adapter = await startSqsQueryAdapter(endpoint);
});
afterAll(async () => {
  await adapter?.close();
  sqs?.destroy();
});

describe('the SQS query adapter', () => {
  it('turns a query SendMessage into the JSON one, and the answer into query XML', async () => {
    const queueUrl = await createOwnQueue();
    const body = `{"note":"& < > \\" ' é €"}`;
    const answer = await sendQuery({
      Action: 'SendMessage',
      Version: '2012-11-05',
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageGroupId: 'group-1',
      MessageDeduplicationId: 'dedup-1',
    });
    expect(answer.status, answer.text).toBe(200);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    expect(Messages).toHaveLength(1);
    const [message] = Messages;
    expect(message?.Body).toBe(body);
    expect(message?.Attributes).toMatchObject({
      MessageGroupId: 'group-1',
      MessageDeduplicationId: 'dedup-1',
    });
    expect(answer.text).toContain(
      `<SendMessageResult><MessageId>${message?.MessageId}</MessageId><MD5OfMessageBody>${createHash('md5').update(body).digest('hex')}</MD5OfMessageBody><SequenceNumber>`,
    );
  });

  it("answers SQS's errors as query errors, with their query code", async () => {
    const answer = await sendQuery({
      Action: 'SendMessage',
      QueueUrl: 'http://127.0.0.1/000000000000/no-such-queue.fifo',
      MessageBody: 'x',
    });
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(
      /<ErrorResponse xmlns="http:\/\/queue\.amazonaws\.com\/doc\/2012-11-05\/"><Error><Type>Sender<\/Type><Code>AWS\.SimpleQueueService\.NonExistentQueue<\/Code>/,
    );
  });

  it('refuses another action, an untranslated parameter and a JSON request, sending nothing', async () => {
    const queueUrl = await createOwnQueue();
    const receive = await sendQuery({ Action: 'ReceiveMessage', QueueUrl: queueUrl });
    expect(receive.status).toBe(400);
    expect(receive.text).toContain('<Code>InvalidAction</Code>');
    const odd = await sendQuery({ Action: '<Send&Message>', QueueUrl: queueUrl });
    expect(odd.text).toContain('not &lt;Send&amp;Message&gt;</Message>');
    const attribute = await sendQuery({
      Action: 'SendMessage',
      QueueUrl: queueUrl,
      MessageBody: 'x',
      MessageGroupId: 'g',
      MessageDeduplicationId: 'd1',
      'MessageAttribute.1.Name': 'trace',
    });
    expect(attribute.status).toBe(400);
    expect(attribute.text).toContain('does not translate MessageAttribute.1.Name');
    const json = await fetch(adapter.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.SendMessage',
      },
      body: JSON.stringify({
        QueueUrl: queueUrl,
        MessageBody: 'x',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd2',
      }),
    });
    expect(json.status).toBe(400);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );
    expect(Messages).toEqual([]);
  });
});

async function createOwnQueue(): Promise<string> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `query-adapter-${randomUUID().slice(0, 8)}.fifo`,
      Attributes: { FifoQueue: 'true' },
    }),
  );
  if (!QueueUrl) throw new Error('no queue URL');
  return QueueUrl;
}

/** A request as a query-protocol client sends it: form-encoded, to the endpoint's root. */
async function sendQuery(form: Record<string, string>) {
  const response = await fetch(adapter.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, text: await response.text() };
}
