import { basename } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import {
  COMMAND_TYPES,
  type CommandType,
  CreateUserCommandSchema,
  DeleteUserCommandSchema,
  SCHEMA_VERSION,
  UpdateUserCommandSchema,
} from '../../shared/contract/commands.ts';
import {
  MESSAGE_ATTRIBUTE_DOCS,
  MESSAGE_ATTRIBUTES,
  type MessageAttributeKey,
} from '../../shared/contract/message-attributes.ts';
import {
  type QueueDefinition,
  type QueueKey,
  resourceDefinitions,
} from '../../shared/resources.ts';
import { type ContractFixture, loadContractFixtures } from './contract-fixtures.ts';
import { contractJsonSchema } from './render.ts';

/**
 * The AsyncAPI 3 document of the command queue, made from the zod contract, resources.json
 * (the queues and their redrive policy), the message attributes the service sets, and the
 * contract fixtures (the examples). `npm run docs` writes it to docs/asyncapi.json, which
 * the API serves at GET /docs/asyncapi.json; test/unit/asyncapi.test.ts parses it with
 * @asyncapi/parser and fails when the committed copy is stale.
 */
export const ASYNCAPI_PATH = 'docs/asyncapi.json';

const COMMAND_SCHEMAS: Record<CommandType, z.ZodType> = {
  'user.create': CreateUserCommandSchema,
  'user.update': UpdateUserCommandSchema,
  'user.delete': DeleteUserCommandSchema,
};

const MESSAGE_SUMMARIES: Record<CommandType, string> = {
  'user.create': 'Create a user. Rejected (recorded, not retried) when the email is taken.',
  'user.update':
    'Change a user’s names or password hash. The email is the key and never changes. Rejected when the user does not exist.',
  'user.delete': 'Delete a user. Rejected when the user does not exist.',
};

/** `user.create` → `userCreate`: the component name of a message. */
function messageKey(type: CommandType): string {
  return type.replace(/\.(\w)/, (_, letter: string) => letter.toUpperCase());
}

/** Draft 7 without its `$schema`: AsyncAPI's default schema format is a superset of it. */
function payloadSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = contractJsonSchema(schema, 'draft-7');
  return rest;
}

function sqsQueue(definition: QueueDefinition): Record<string, unknown> {
  const { attributes } = definition;
  const seconds = (name: string) =>
    attributes[name] === undefined ? undefined : Number(attributes[name]);
  const deadLetter = definition.deadLetter;
  return {
    name: definition.name,
    fifoQueue: attributes.FifoQueue === 'true',
    deduplicationScope: attributes.DeduplicationScope ?? 'queue',
    fifoThroughputLimit: attributes.FifoThroughputLimit ?? 'perQueue',
    visibilityTimeout: seconds('VisibilityTimeout'),
    receiveMessageWaitTime: seconds('ReceiveMessageWaitTimeSeconds'),
    messageRetentionPeriod: seconds('MessageRetentionPeriod'),
    ...(deadLetter && {
      redrivePolicy: {
        deadLetterQueue: { name: resourceDefinitions.queues[deadLetter.queue as QueueKey].name },
        maxReceiveCount: deadLetter.maxReceiveCount,
      },
    }),
  };
}

/** The message attributes that appear on a kind of message, as an AsyncAPI headers schema. */
function attributeHeaders(kind: 'command' | 'dead letter'): Record<string, unknown> {
  const appears = (key: MessageAttributeKey) =>
    kind === 'dead letter'
      ? MESSAGE_ATTRIBUTE_DOCS[key].on.includes('dead letter')
      : MESSAGE_ATTRIBUTE_DOCS[key].on.some((on) => on === 'command' || on === 'redriven command');
  const keys = (Object.keys(MESSAGE_ATTRIBUTE_DOCS) as MessageAttributeKey[]).filter(appears);
  const properties = Object.fromEntries(
    keys.map((key) => {
      const { dataType, description } = MESSAGE_ATTRIBUTE_DOCS[key];
      const type = dataType === 'Number' ? 'integer' : 'string';
      return [MESSAGE_ATTRIBUTES[key], { type, description: `SQS ${dataType}. ${description}` }];
    }),
  );
  const setByService = keys.filter((key) => !MESSAGE_ATTRIBUTE_DOCS[key].on.includes('command'));
  return {
    type: 'object',
    description:
      kind === 'dead letter'
        ? 'SQS message attributes the worker sets when it dead-letters a message (the trace context only when the message had one).'
        : 'SQS message attributes: a publisher may set the W3C trace context; a redrive sets the others.',
    properties,
    ...(kind === 'dead letter' && { required: setByService.map((key) => MESSAGE_ATTRIBUTES[key]) }),
  };
}

const GROUP_ID_RULE =
  'MessageGroupId: the lowercase hex SHA-256 of payload.emailAddress after trimming and lower-casing. One group per user keeps each user’s commands in order across every publisher; a message in any other group is dead-lettered.';
const DEDUPLICATION_RULE =
  'MessageDeduplicationId: the commandId. It only saves work within SQS’s 5-minute window; the commandId is what makes processing idempotent.';

function commandMessage(type: CommandType, examples: ContractFixture[]): Record<string, unknown> {
  return {
    name: type,
    title: type,
    summary: MESSAGE_SUMMARIES[type],
    description: `${GROUP_ID_RULE}\n\n${DEDUPLICATION_RULE}`,
    contentType: 'application/json',
    correlationId: {
      description:
        'The idempotency key, chosen by the publisher: one command id, one effect, ever. Its outcome is at GET /commands/{commandId}.',
      location: '$message.payload#/commandId',
    },
    headers: attributeHeaders('command'),
    payload: payloadSchema(COMMAND_SCHEMAS[type]),
    'x-sqs-message-group-id': GROUP_ID_RULE,
    'x-sqs-message-deduplication-id': DEDUPLICATION_RULE,
    examples: examples.map((fixture) => ({
      name: basename(fixture.name, '.json'),
      summary: `${fixture.description} MessageGroupId: ${fixture.messageGroupId}.`,
      payload: fixture.body,
    })),
  };
}

function deadLetterMessage(examples: ContractFixture[]): Record<string, unknown> {
  return {
    name: 'dead-letter',
    title: 'Dead-lettered command',
    summary:
      'A command the worker could not apply: invalid (at once) or still failing on its last attempt. Its body is the original, byte for byte.',
    description:
      'Inspect with `npm run dlq -- list`; once the cause is fixed, `npm run dlq -- redrive` sends it back to the command queue in its group, and it is applied once. The command’s record (GET /commands/{commandId}) says `invalid` or `dead-lettered` with the same reason.',
    contentType: 'application/json',
    headers: attributeHeaders('dead letter'),
    payload: {
      description:
        'The original message body, whatever it was (it may not be JSON, or not a command).',
    },
    examples: examples.map((fixture) => ({
      name: basename(fixture.name, '.json'),
      summary: fixture.description,
      headers: {
        [MESSAGE_ATTRIBUTES.errorReason]: fixture.reason,
        [MESSAGE_ATTRIBUTES.errorOutcome]: 'invalid',
        [MESSAGE_ATTRIBUTES.attempts]: 1,
        [MESSAGE_ATTRIBUTES.originalMessageId]: '5fea7756-0ea4-451a-a703-a558b933e274',
        [MESSAGE_ATTRIBUTES.deadLetteredAt]: '2026-11-23T12:00:01.000Z',
        [MESSAGE_ATTRIBUTES.originalSentAt]: 1795435200000,
      },
      payload: fixture.body,
    })),
  };
}

/** A fixture in canonical form: the worker reads it back unchanged (no trimming to do). */
function isCanonical(fixture: ContractFixture, type: CommandType): boolean {
  const parsed = COMMAND_SCHEMAS[type].safeParse(fixture.body);
  return parsed.success && isDeepStrictEqual(parsed.data, fixture.body);
}

export function buildAsyncApiDocument(
  fixtures: ContractFixture[] = loadContractFixtures(),
): Record<string, unknown> {
  const { command, commandDeadLetter } = resourceDefinitions.queues;
  const current = fixtures.filter((fixture) => fixture.version === SCHEMA_VERSION);
  const examplesOf = (type: CommandType) =>
    current.filter(
      (fixture) =>
        fixture.valid &&
        (fixture.body as { type?: string }).type === type &&
        isCanonical(fixture, type),
    );
  const commandRefs = Object.fromEntries(
    COMMAND_TYPES.map((type) => [
      messageKey(type),
      { $ref: `#/components/messages/${messageKey(type)}` },
    ]),
  );
  return {
    asyncapi: '3.1.0',
    id: 'urn:user-service:commands',
    info: {
      title: 'User service: commands on the queue',
      version: String(SCHEMA_VERSION),
      description: [
        'The command queue is a public API: other services publish user commands to it straight, and the worker applies each command exactly once, in order per user, whatever SQS redelivers.',
        `\`info.version\` is the contract's \`schemaVersion\`. A breaking change gets a new one; the worker dead-letters a version it does not read, and \`npm run dlq -- redrive\` applies those commands once it does.`,
        'The client library `event-driven-user-service/client` sets every rule below (schemaVersion, command id, MessageGroupId, MessageDeduplicationId) and checks each command before sending. Queue names are the defaults; COMMAND_QUEUE and DEAD_LETTER_QUEUE override them.',
      ].join('\n\n'),
    },
    defaultContentType: 'application/json',
    servers: {
      aws: {
        host: 'sqs.{region}.amazonaws.com',
        pathname: '/{accountId}',
        protocol: 'sqs',
        description: 'Amazon SQS. Publishers need sqs:SendMessage on the command queue (iam/).',
        variables: {
          region: { default: 'us-east-1', description: 'The AWS region of the deployment.' },
          accountId: { description: 'The AWS account that owns the queues.' },
        },
      },
      local: {
        host: '127.0.0.1:9324',
        pathname: '/000000000000',
        protocol: 'sqs',
        description: 'The embedded SQS emulator of `npm run dev` (fauxqs).',
      },
    },
    channels: {
      commands: {
        address: command.name,
        title: 'User commands',
        description:
          'FIFO, one message group per user. Each message is one command; the worker records its outcome (GET /commands/{commandId}).',
        messages: commandRefs,
        bindings: {
          sqs: {
            queue: sqsQueue(command),
            deadLetterQueue: sqsQueue(commandDeadLetter),
            bindingVersion: '0.2.0',
          },
        },
      },
      deadLetters: {
        address: commandDeadLetter.name,
        title: 'Dead-lettered commands',
        description:
          'Commands that could not be applied, each with why. The worker moves a message here itself (an invalid one at once, a failing one on its last attempt); SQS’s redrive policy is the backstop.',
        messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
        bindings: {
          sqs: { queue: sqsQueue(commandDeadLetter), bindingVersion: '0.2.0' },
        },
      },
    },
    operations: {
      applyCommand: {
        action: 'receive',
        channel: { $ref: '#/channels/commands' },
        title: 'Apply a user command',
        summary:
          'The worker applies each command once, in order per user. Publishers send these messages.',
        messages: COMMAND_TYPES.map((type) => ({
          $ref: `#/channels/commands/messages/${messageKey(type)}`,
        })),
      },
      deadLetterCommand: {
        action: 'send',
        channel: { $ref: '#/channels/deadLetters' },
        title: 'Dead-letter a command',
        summary: 'The worker moves a command it cannot apply to the dead-letter queue, with why.',
        messages: [{ $ref: '#/channels/deadLetters/messages/deadLetter' }],
      },
    },
    components: {
      messages: {
        ...Object.fromEntries(
          COMMAND_TYPES.map((type) => [messageKey(type), commandMessage(type, examplesOf(type))]),
        ),
        deadLetter: deadLetterMessage(current.filter((fixture) => !fixture.valid)),
      },
    },
  };
}

export function renderAsyncApiDocument(): string {
  return `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`;
}
