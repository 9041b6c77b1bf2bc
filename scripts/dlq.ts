import { parseArgs } from 'node:util';
import { createSqsClient } from '../shared/aws-clients.ts';
import { loadConfigOrExit } from '../shared/config.ts';
import { createLogger } from '../shared/logger.ts';
import { resolveQueueUrl } from '../shared/queues.ts';
import { type DeadLetter, listDeadLetters } from './dlq/dead-letters.ts';
import { redriveDeadLetters } from './dlq/redrive.ts';

const USAGE = `Usage: npm run dlq -- <list|redrive> [options]

  list      Show dead-lettered commands with their reasons (does not remove them).
            --max N                  at most N messages (default 100)
            --visibility-timeout S   how long each read hides a message (default 10)
  redrive   Move dead-lettered commands back to the command queue, in their own group.
            --max N                  at most N messages (default: all there at the start)
  --json    Machine-readable output.

Works against whatever the environment names (AWS_ENDPOINT_URL_SQS, COMMAND_QUEUE,
DEAD_LETTER_QUEUE, AWS credentials), like the API and the worker.
`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
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
    say(JSON.stringify(listing, null, 2));
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
  const result = await redriveDeadLetters(sqs, { deadLetterQueueUrl, queueUrl }, { max });
  if (values.json) {
    say(JSON.stringify(result, null, 2));
  } else {
    say(`moved ${result.moved.length} message(s) from ${deadLetterQueueName} to ${queueName}`);
    if (result.remaining > 0) say(`about ${result.remaining} left in ${deadLetterQueueName}`);
    for (const message of result.moved) say(describe(message));
    for (const { message, error } of result.failed) say(`FAILED ${describe(message)}\n  ${error}`);
  }
  if (result.failed.length > 0) process.exitCode = 1;
}
sqs.destroy();

function describe(message: DeadLetter): string {
  const what = message.commandId
    ? `command ${message.commandId} (${message.type ?? 'unknown type'})`
    : 'no readable command id';
  const when = message.deadLetteredAt
    ? `dead-lettered ${message.deadLetteredAt}`
    : `sent ${message.sentAt ?? '(unknown)'}`;
  const reason =
    message.reason ??
    '(none: SQS moved it after maxReceiveCount failed receives; the worker logs say why each failed)';
  return `- message ${message.messageId}: ${what}, group ${message.groupId}, ${when}\n  reason: ${reason}`;
}
