import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ContractFixture,
  loadContractFixtures,
} from '../../scripts/docs/contract-fixtures.ts';
import { buildCommand, type CommandInput, ContractError } from '../../shared/client/index.ts';
import { COMMAND_TYPES, UserCommandSchema } from '../../shared/contract/commands.ts';
import { commandMessage } from '../../shared/contract/message.ts';
import { CONTRACT_VERSIONS, parseCommandMessage } from '../../shared/contract/parse-command.ts';

const fixtures = loadContractFixtures();
const valid = fixtures.filter((fixture) => fixture.valid);
const invalid = fixtures.filter((fixture) => !fixture.valid);

interface FixtureBody {
  schemaVersion?: unknown;
  commandId?: string;
  type?: string;
  issuedAt?: string;
  payload?: unknown;
}

/** The same command, given to the client library the way a caller would. */
function asClientInput(fixture: ContractFixture): CommandInput {
  const { type, payload, commandId, issuedAt } = fixture.body as FixtureBody;
  return { type, payload, commandId, issuedAt } as CommandInput;
}

/**
 * An invalid fixture the client library could be handed: the body itself is wrong (not only
 * its queue attributes) and only in fields a caller gives (the client sets the version).
 */
function clientCanBeGiven(fixture: ContractFixture): boolean {
  if (typeof fixture.body !== 'object' || fixture.body === null) return false;
  const body = fixture.body as FixtureBody;
  const callerFields = ['schemaVersion', 'commandId', 'type', 'issuedAt', 'payload'];
  return (
    body.schemaVersion === 1 &&
    Object.keys(body).every((key) => callerFields.includes(key)) &&
    !parseCommandMessage(fixture.bodyText, undefined).ok
  );
}

describe('the contract fixtures (docs/examples/messages)', () => {
  it('hold a valid and an invalid message of every type, for every version the worker reads', () => {
    for (const version of CONTRACT_VERSIONS.keys()) {
      for (const type of COMMAND_TYPES) {
        for (const kind of [valid, invalid]) {
          const found = kind.filter(
            (f) => f.version === version && (f.body as FixtureBody).type === type,
          );
          expect(
            found.length,
            `v${version} ${type} ${kind === valid ? 'valid' : 'invalid'}`,
          ).toBeGreaterThan(0);
        }
      }
    }
  });

  it('keep every version-1 message that was ever published as valid', () => {
    // Removing one of these is a breaking change to a public contract, not a cleanup.
    expect(valid.filter((f) => f.version === 1).map((f) => basename(f.path))).toEqual(
      expect.arrayContaining([
        'user.create.json',
        'user.create.normalized-email.json',
        'user.create.unicode-names.json',
        'user.update.names.json',
        'user.update.password.json',
        'user.delete.json',
      ]),
    );
  });

  it.each(valid)('the worker reads $name', (fixture) => {
    const body = fixture.body as FixtureBody;

    const parsed = parseCommandMessage(fixture.bodyText, fixture.messageGroupId);

    expect(parsed).toEqual({ ok: true, command: UserCommandSchema.parse(body) });
    expect(parsed.ok && parsed.command).toMatchObject({
      commandId: body.commandId,
      type: body.type,
    });
  });

  it.each(invalid)('the worker refuses $name with the reason it documents', (fixture) => {
    const parsed = parseCommandMessage(fixture.bodyText, fixture.messageGroupId);

    expect(parsed).toMatchObject({ ok: false, reason: fixture.reason });
  });

  it.each(valid)('the client library sends $name exactly as documented', (fixture) => {
    const message = commandMessage(buildCommand(asClientInput(fixture)));

    expect(message.MessageGroupId).toBe(fixture.messageGroupId);
    expect(message.MessageDeduplicationId).toBe(fixture.messageDeduplicationId);
    expect(JSON.parse(message.MessageBody)).toEqual(UserCommandSchema.parse(fixture.body));
  });

  const refusedByClient = invalid.filter(clientCanBeGiven);

  it('give the client library most of the invalid messages to refuse', () => {
    expect(refusedByClient.length).toBeGreaterThanOrEqual(8);
  });

  it.each(refusedByClient)(
    'the client library refuses $name before sending, with the worker’s reason',
    (fixture) => {
      const input = asClientInput(fixture);

      const build = () => buildCommand(input);

      expect(build).toThrow(ContractError);
      expect(build).toThrow(`invalid ${input.type} command, nothing sent: ${fixture.reason}`);
    },
  );
});
