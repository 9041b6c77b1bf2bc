import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadContractFixtures } from '../../scripts/docs/contract-fixtures.ts';
import { CommandIdSchema } from '../../shared/contract/fields.ts';
import { createTestEnvironment, type TestEnvironment } from '../harness/environment.ts';

/**
 * Every contract fixture, published raw as a direct publisher would, to a running worker:
 * the valid ones are applied, the invalid ones dead-lettered with the documented reason.
 * (test/unit/contract-fixtures.test.ts checks the same fixtures against the parser and the
 * client library, one by one.)
 */
const fixtures = loadContractFixtures();
const valid = fixtures.filter((fixture) => fixture.valid);
const invalid = fixtures.filter((fixture) => !fixture.valid);
let t: TestEnvironment;
const deadLetters: Message[] = [];

beforeAll(async () => {
  t = await createTestEnvironment();
  await t.startWorker();
  // Each user's commands in the order they were issued: create, update, delete.
  const byIssue = [...valid].sort((a, b) => issuedAtOf(a.body).localeCompare(issuedAtOf(b.body)));
  for (const fixture of [...byIssue, ...invalid]) {
    await t.publishRaw(fixture.bodyText, {
      groupId: fixture.messageGroupId,
      deduplicationId: fixture.messageDeduplicationId,
    });
  }
});
afterAll(async () => t?.close());

function issuedAtOf(body: unknown): string {
  return (body as { issuedAt: string }).issuedAt;
}

function commandIdOf(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null
    ? (body as { commandId?: string }).commandId
    : undefined;
}

describe('the contract fixtures, published straight to the queue', () => {
  it.each(valid)('applies $name', async (fixture) => {
    const commandId = commandIdOf(fixture.body) ?? '';
    await vi.waitFor(
      async () =>
        expect(await t.getCommandRecord(commandId)).toMatchObject({ status: 'succeeded' }),
      { timeout: 20_000, interval: 100 },
    );
  });

  it('leaves each user as the last of their valid commands made them', async () => {
    await vi.waitFor(
      async () => {
        expect(await t.getUser('ada.fixture@example.com')).toBeUndefined(); // deleted last
        expect(await t.getUser('grace.fixture@example.com')).toMatchObject({ firstName: 'Grace' });
        expect(await t.getUser('zoe.fixture@example.com')).toMatchObject({
          firstName: 'Zoë',
          lastName: 'Ñúñez 山田',
        });
      },
      { timeout: 20_000, interval: 100 },
    );
  });

  it.each(invalid)('dead-letters $name with the reason it documents', async (fixture) => {
    const dead = await vi.waitFor(
      async () => {
        deadLetters.push(...(await t.receiveDeadLetters()));
        const found = deadLetters.find((message) => message.Body === fixture.bodyText);
        if (!found) throw new Error('not dead-lettered yet');
        return found;
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(dead.MessageAttributes?.['error-reason']?.StringValue).toBe(fixture.reason);
    // Where the publisher can find it: a command with a well-formed id is recorded invalid.
    const commandId = CommandIdSchema.safeParse(commandIdOf(fixture.body));
    if (commandId.success) {
      expect(await t.getCommandRecord(commandId.data)).toMatchObject({
        status: 'invalid',
        reason: fixture.reason,
      });
    }
  });
});
