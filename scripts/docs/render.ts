import { z } from 'zod';
import { EnvVariables } from '../../shared/config.ts';
import {
  SCHEMA_VERSION,
  UpdateUserPayloadSchema,
  UserCommandSchema,
} from '../../shared/contract/commands.ts';

/**
 * Documents generated from the code, so they cannot drift: the JSON Schema of the queue
 * message and the README's configuration table (the AsyncAPI document is asyncapi.ts's).
 * `npm run docs` writes them; test/unit/generated-docs.test.ts fails when a committed copy
 * is stale.
 */
export const COMMAND_SCHEMA_PATH = 'docs/command.schema.json';

export function renderCommandJsonSchema(): string {
  const schema = contractJsonSchema(UserCommandSchema, 'draft-2020-12');
  const document = {
    $id: `urn:user-service:user-command:v${SCHEMA_VERSION}`,
    title: `User command, schema version ${SCHEMA_VERSION}`,
    ...schema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * A contract schema as JSON Schema: the input side (what a publisher sends), with the one
 * rule zod's refinement cannot say in JSON Schema added by hand: an update changes at least
 * one field besides the email (the object is closed, so that is two properties or more).
 */
export function contractJsonSchema(
  schema: z.ZodType,
  target: 'draft-7' | 'draft-2020-12',
): Record<string, unknown> {
  return z.toJSONSchema(schema, {
    io: 'input',
    target,
    override: (context) => {
      if (context.zodSchema === UpdateUserPayloadSchema) context.jsonSchema.minProperties = 2;
    },
  });
}

export function renderConfigTable(): string {
  const rows = Object.entries(EnvVariables.shape).map(([name, schema]) => {
    const description = (schema.description ?? '').replaceAll('|', '\\|');
    return `| \`${name}\` | ${formatDefault(schema)} | ${description} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

function formatDefault(schema: z.ZodType): string {
  const result = schema.safeParse(undefined);
  if (!result.success || result.data === undefined) return '(unset)';
  return `\`${String(result.data)}\``;
}

/** Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->`. */
export function replaceSection(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`README has no ${start} ... ${end} section`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}
