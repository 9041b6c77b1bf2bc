import { Worker } from 'node:worker_threads';
import { ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { UserCommand } from '../shared/contract/commands.ts';
import { commandFingerprint } from '../shared/contract/fingerprint.ts';
import { commandMessage } from '../shared/contract/message.ts';
import { UserWriteRepository } from '../worker/user-write-repository.ts';

/** Runs `task` with `concurrency` in flight until `count` tasks are done; returns ops per second. */
export async function runClosedLoop(
  concurrency: number,
  count: number,
  task: (index: number) => Promise<unknown>,
): Promise<{ perSecond: number; seconds: number }> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: count / seconds, seconds };
}

/** Runs `task` with `concurrency` in flight for `seconds`; returns completed ops per second. */
export async function runForDuration(
  concurrency: number,
  seconds: number,
  task: () => Promise<unknown>,
): Promise<number> {
  let done = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await task();
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** One thread's bcrypt rate at `cost`, measured in a worker thread for `seconds`. */
export async function measureBcryptPerThread(cost: number, seconds: number): Promise<number> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const bcrypt = require(workerData.bcrypt);
    const end = Date.now() + workerData.seconds * 1000;
    let n = 0; const start = Date.now();
    while (Date.now() < end || n === 0) { bcrypt.hashSync('correct horse battery', workerData.cost); n++; }
    parentPort.postMessage(n / ((Date.now() - start) / 1000));`;
  const worker = new Worker(source, {
    eval: true,
    workerData: { cost, seconds, bcrypt: import.meta.resolve('bcryptjs').replace('file://', '') },
  });
  const [rate] = (await new Promise((resolve, reject) => {
    worker.once('message', (value) => resolve([value]));
    worker.once('error', reject);
  })) as [number];
  await worker.terminate();
  return rate;
}

export function sendCommand(sqs: SQSClient, queueUrl: string, command: UserCommand) {
  return sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, ...commandMessage(command) }));
}

export function receiveOne(sqs: SQSClient, queueUrl: string) {
  return sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 5 }),
  );
}

export function getItem(dynamoDb: DynamoDBDocumentClient, TableName: string, emailAddress: string) {
  return dynamoDb.send(new GetCommand({ TableName, Key: { emailAddress } }));
}

/**
 * The worker's own transaction for a create (user + record, index keys included), sent by
 * its own repository: a baseline that cannot drift from what the worker really writes.
 */
export function createTransaction(
  dynamoDb: DynamoDBDocumentClient,
  tables: { users: string; commands: string },
  command: Extract<UserCommand, { type: 'user.create' }>,
) {
  const writes = new UserWriteRepository({
    client: dynamoDb,
    usersTable: tables.users,
    commandsTable: tables.commands,
    recordTtlDays: 1,
  });
  const facts = {
    fingerprint: commandFingerprint(command),
    messageHash: command.commandId,
    attempt: 1,
    sentAt: Date.now(),
  };
  return writes.createUser(command, facts);
}
