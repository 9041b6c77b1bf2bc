import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The contract fixtures in docs/examples/messages/v{N}/{valid,invalid}/: queue messages, as a
 * publisher would send them, each with what the worker makes of it. They are written by hand
 * and never regenerated, so a change to the contract that stops a published version-1 message
 * from parsing fails test/unit/contract-fixtures.test.ts instead of passing silently.
 */
export const FIXTURES_DIRECTORY = 'docs/examples/messages';

const FixtureFileSchema = z.strictObject({
  description: z.string().min(1),
  messageGroupId: z.string().min(1),
  messageDeduplicationId: z.string().min(1),
  /** The message body: a JSON value, or a string sent as-is (a body that is not JSON). */
  body: z.unknown(),
  /** For an invalid message: the reason the worker gives, word for word. */
  reason: z.string().min(1).optional(),
});

export interface ContractFixture extends z.infer<typeof FixtureFileSchema> {
  /** e.g. docs/examples/messages/v1/valid/user.create.json */
  path: string;
  /** e.g. v1/valid/user.create.json */
  name: string;
  /** The schema version the fixture was written against (its folder). */
  version: number;
  valid: boolean;
  /** The body exactly as it goes on the queue. */
  bodyText: string;
}

export function loadContractFixtures(directory = FIXTURES_DIRECTORY): ContractFixture[] {
  return readdirSync(directory)
    .filter((folder) => /^v\d+$/.test(folder))
    .flatMap((folder) =>
      (['valid', 'invalid'] as const).flatMap((kind) =>
        readdirSync(join(directory, folder, kind))
          .filter((file) => file.endsWith('.json'))
          .sort()
          .map((file) => readFixture(directory, join(folder, kind, file), folder, kind)),
      ),
    );
}

function readFixture(
  directory: string,
  name: string,
  folder: string,
  kind: 'valid' | 'invalid',
): ContractFixture {
  const path = join(directory, name);
  const parsed = FixtureFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${z.prettifyError(parsed.error)}`);
  const fixture = parsed.data;
  const valid = kind === 'valid';
  if (valid !== (fixture.reason === undefined)) {
    throw new Error(`${path}: ${valid ? 'a valid fixture has no reason' : 'give the reason'}`);
  }
  return {
    ...fixture,
    path,
    name,
    version: Number(folder.slice(1)),
    valid,
    bodyText: typeof fixture.body === 'string' ? fixture.body : JSON.stringify(fixture.body),
  };
}
