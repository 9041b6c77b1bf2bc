import { Parser } from '@asyncapi/parser';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAsyncApiDocument, renderAsyncApiDocument } from '../../scripts/docs/asyncapi.ts';
import { loadContractFixtures } from '../../scripts/docs/contract-fixtures.ts';
import { MESSAGE_ATTRIBUTES } from '../../shared/contract/message-attributes.ts';
import { parseCommandMessage } from '../../shared/contract/parse-command.ts';
import { resourceDefinitions } from '../../shared/resources.ts';

interface Message {
  name: string;
  payload: object;
  headers: { properties: Record<string, unknown> };
  examples: { name: string; payload: unknown; headers?: Record<string, unknown> }[];
}
interface Document {
  channels: Record<string, { address: string; bindings: { sqs: Record<string, unknown> } }>;
  components: { messages: Record<string, Message> };
}

const document = buildAsyncApiDocument() as unknown as Document;
const messages = document.components.messages;
const commandMessages = [messages.userCreate, messages.userUpdate, messages.userDelete].filter(
  (message) => message !== undefined,
);
const fixtures = loadContractFixtures();

/** A validator of the payload a publisher sends: any of the three command messages. */
function publishedSchemaValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile({ anyOf: commandMessages.map((message) => message.payload) });
}

/** The committed copy is checked against this rendering in generated-docs.test.ts. */
describe('the AsyncAPI document (docs/asyncapi.json)', () => {
  let diagnostics: { severity: number; code: string | number; message: string }[];
  beforeAll(async () => {
    ({ diagnostics } = await new Parser().parse(renderAsyncApiDocument()));
  });

  it('is a valid AsyncAPI 3 document, without a warning from @asyncapi/parser', () => {
    // Severity 0 is an error, 1 a warning; 2 and 3 are information and hints.
    expect(diagnostics.filter((d) => d.severity <= 1)).toEqual([]);
  });

  it('describes the queues of resources.json: FIFO, with the dead-letter queue as redrive target', () => {
    const { command, commandDeadLetter } = resourceDefinitions.queues;

    const sqs = document.channels.commands?.bindings.sqs;

    expect(document.channels.commands?.address).toBe(command.name);
    expect(document.channels.deadLetters?.address).toBe(commandDeadLetter.name);
    expect(sqs).toMatchObject({
      queue: {
        name: command.name,
        fifoQueue: true,
        redrivePolicy: {
          deadLetterQueue: { name: commandDeadLetter.name },
          maxReceiveCount: command.deadLetter?.maxReceiveCount,
        },
      },
      deadLetterQueue: { name: commandDeadLetter.name, fifoQueue: true },
    });
  });

  it('has one message per command type, each with examples, and a dead letter with its reason', () => {
    expect(commandMessages.map((message) => message.name)).toEqual([
      'user.create',
      'user.update',
      'user.delete',
    ]);
    for (const message of commandMessages) expect(message.examples.length).toBeGreaterThan(0);
    expect(messages.deadLetter?.headers.properties).toHaveProperty(MESSAGE_ATTRIBUTES.errorReason);
    expect(
      messages.deadLetter?.examples.map((e) => e.headers?.[MESSAGE_ATTRIBUTES.errorReason]),
    ).toEqual(fixtures.filter((fixture) => !fixture.valid).map((fixture) => fixture.reason));
  });

  it('publishes payload schemas that accept every example', () => {
    const validate = publishedSchemaValidator();
    const examples = commandMessages.flatMap((message) => message.examples);

    const refused = examples.filter((example) => !validate(example.payload));

    expect(examples.length).toBeGreaterThanOrEqual(5);
    expect(refused.map((example) => example.name)).toEqual([]);
  });

  it('publishes payload schemas that refuse every message the worker refuses for its body', () => {
    const validate = publishedSchemaValidator();
    // Not those refused for their queue attributes (the group): a schema cannot see them.
    const badBodies = fixtures.filter(
      (fixture) => !fixture.valid && !parseCommandMessage(fixture.bodyText, undefined).ok,
    );

    const accepted = badBodies.filter((fixture) => validate(fixture.body));

    expect(badBodies.length).toBeGreaterThanOrEqual(10);
    expect(accepted.map((fixture) => fixture.name)).toEqual([]);
  });
});
