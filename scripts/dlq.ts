import { parseArgs } from 'node:util';
import { createDynamoDbDocumentClient, createSqsClient } from '../shared/aws-clients.ts';
import { loadConfigOrExit } from '../shared/config.ts';
import { createLogger } from '../shared/logger.ts';
import { resolveQueueUrl } from '../shared/queue-url.ts';
import { CommandHistory } from './dlq/command-history.ts';
import { type DeadLetter, listDeadLetters } from './dlq/dead-letters.ts';
import { printable, printableJson } from './dlq/printable.ts';
import { redriveDeadLetters } from './dlq/redrive.ts';

const USAGE = `Usage: npm run dlq -- <list|redrive> [options]

  list      Show dead-lettered commands with their reasons (does not remove them).
            --max N                  at most N messages (default 100)
            --visibility-timeout S   how long each read hides a message (default 10)
  redrive   Move dead-lettered commands back to the command queue, in their own group.
            Skips (and lists) a dead letter when later commands of the same user were
            applied or rejected after it, and everything behind it in its group: moving
            it back would apply it out of order.
            --max N                  at most N messages (default: all there at the start)
            --force                  move overtaken dead letters too
  --json    Machine-readable output.

Works against whatever the environment names (AWS_ENDPOINT_URL_SQS,
AWS_ENDPOINT_URL_DYNAMODB, COMMAND_QUEUE, DEAD_LETTER_QUEUE, COMMANDS_TABLE, AWS
credentials), like the API and the worker.
`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    max: { type: 'string' },
    'visibility-timeout': { type: 'string', default: '10' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const action = positionals[0];
const max = values.max === undefined ? undefined : Number(values.max);
const visibilityTimeoutSeconds = Number(values['visibility-timeout']);
if (
  values.help ||
  (action !== 'list' && action !== 'redrive') ||
  (max !== undefined && !(Number.isInteger(max) && max > 0)) ||
  !(Number.isInteger(visibilityTimeoutSeconds) && visibilityTimeoutSeconds >= 1)
) {
  process.stderr.write(USAGE);
  process.exit(values.help ? 0 : 2);
}

const config = loadConfigOrExit();
// Logs go to stderr, so stdout stays clean for --json.
const log = createLogger({ name: 'dlq', level: config.env.LOG_LEVEL, destination: process.stderr });
const sqs = createSqsClient(config.aws, { requestTimeoutMs: 10_000 });
const resolveOptions = { timeoutSeconds: config.env.STARTUP_TIMEOUT_SECONDS, log };
const { command: queueName, commandDeadLetter: deadLetterQueueName } = config.resources.queues;
const queueUrl = await resolveQueueUrl(sqs, queueName, resolveOptions);
const deadLetterQueueUrl = await resolveQueueUrl(sqs, deadLetterQueueName, resolveOptions);
const say = (text: string) => process.stdout.write(`${text}\n`);

if (action === 'list') {
  const listing = await listDeadLetters(sqs, deadLetterQueueUrl, {
    max: max ?? 100,
    visibilityTimeoutSeconds,
  });
  if (values.json) {
    say(printableJson(listing));
  } else {
    say(
      `${listing.messages.length} dead-lettered message(s) in ${deadLetterQueueName}` +
        ` (SQS counted about ${listing.approximateTotal})`,
    );
    if (listing.approximateTotal > listing.messages.length) {
      say(
        'In a FIFO queue only the first messages of each group can be read without deleting ' +
          'them; the rest wait behind (`redrive` moves them all).',
      );
    }
    for (const message of listing.messages) say(describe(message));
  }
} else {
  const dynamoDb = createDynamoDbDocumentClient(config.aws, { requestTimeoutMs: 10_000 });
  const history = new CommandHistory(dynamoDb, config.resources.tables.commands);
  const result = await redriveDeadLetters(
    sqs,
    { deadLetterQueueUrl, queueUrl },
    { max, force: values.force, history },
  );
  dynamoDb.destroy();
  if (values.json) {
    say(printableJson(result));
  } else {
    say(`moved ${result.moved.length} message(s) from ${deadLetterQueueName} to ${queueName}`);
    if (result.remaining > 0) say(`about ${result.remaining} left in ${deadLetterQueueName}`);
    for (const message of result.moved) say(describe(message));
    if (result.skipped.length > 0) {
      say(
        `skipped ${result.skipped.length} message(s): later commands of the same user were ` +
          'applied or rejected after them, so moving them back would apply them out of order. ' +
          'See docs/operations.md, "Dead letters"; `--force` moves them anyway.',
      );
    }
    for (const { message, overtakenBy, heldBehind } of result.skipped) {
      const why = heldBehind
        ? `behind ${printable(heldBehind)}, skipped earlier in its group`
        : `overtaken by ${overtakenBy.map(printable).join(', ')}`;
      say(`SKIPPED ${describe(message)}\n  ${why}`);
    }
    for (const { message, error } of result.failed) {
      say(`FAILED ${describe(message)}\n  ${printable(error)}`);
    }
  }
  if (result.failed.length > 0) process.exitCode = 1;
}
sqs.destroy();

/** One dead letter in words; every value from the message goes through printable(). */
function describe(message: DeadLetter): string {
  const what = message.commandId
    ? `command ${printable(message.commandId)} (${printable(message.type ?? 'unknown type')})`
    : 'no readable command id';
  const when = message.deadLetteredAt
    ? `dead-lettered ${printable(message.deadLetteredAt)}${message.attempts ? ` after ${message.attempts} attempt(s)` : ''}`
    : `sent ${message.sentAt ?? '(unknown)'}`;
  const reason = message.reason
    ? printable(message.reason)
    : '(none: SQS moved it after maxReceiveCount receives without the worker giving it up, e.g. a worker that crashed on it; the worker logs say more)';
  return `- message ${printable(message.messageId)}: ${what}, group ${printable(message.groupId ?? '(none)')}, ${when}\n  reason: ${reason}`;
}
