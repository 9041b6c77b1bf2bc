import { z } from 'zod';
import definitions from './resources.json' with { type: 'json' };

/** The environment variable that overrides a resource's name (see shared/config.ts). */
const NameVariableSchema = z.string().regex(/^[A-Z][A-Z0-9_]*$/);

const KeySchema = z.strictObject({ name: z.string().min(1), type: z.enum(['S', 'N', 'B']) });

/** A global secondary index (on-demand tables only: no throughput of its own). */
const IndexDefinitionSchema = z.strictObject({
  $comment: z.string().optional(),
  name: z.string().min(3).max(255),
  hashKey: KeySchema,
  rangeKey: KeySchema.optional(),
  projection: z.enum(['KEYS_ONLY', 'ALL']),
});

const TableDefinitionSchema = z.strictObject({
  name: z.string().min(3).max(255),
  nameVariable: NameVariableSchema,
  hashKey: KeySchema,
  billingMode: z.enum(['PAY_PER_REQUEST', 'PROVISIONED']),
  ttlAttribute: z.string().min(1).optional(),
  indexes: z.array(IndexDefinitionSchema).optional(),
});

const QueueDefinitionSchema = z.strictObject({
  name: z.string().min(1).max(80),
  nameVariable: NameVariableSchema,
  attributes: z.record(z.string(), z.string()),
  deadLetter: z
    .strictObject({ queue: z.string().min(1), maxReceiveCount: z.number().int().min(1) })
    .optional(),
});

const ResourceDefinitionsSchema = z.strictObject({
  $comment: z.string().optional(),
  tables: z.strictObject({ users: TableDefinitionSchema, commands: TableDefinitionSchema }),
  queues: z.strictObject({
    commandDeadLetter: QueueDefinitionSchema,
    command: QueueDefinitionSchema,
  }),
});

export type TableDefinition = z.infer<typeof TableDefinitionSchema>;
export type IndexDefinition = z.infer<typeof IndexDefinitionSchema>;
export type QueueDefinition = z.infer<typeof QueueDefinitionSchema>;
export type ResourceDefinitions = z.infer<typeof ResourceDefinitionsSchema>;
export type TableKey = keyof ResourceDefinitions['tables'];
export type QueueKey = keyof ResourceDefinitions['queues'];

/** The resource definitions from resources.json, validated so a typo fails at start. */
export const resourceDefinitions: ResourceDefinitions =
  ResourceDefinitionsSchema.parse(definitions);

/** The physical names in use: the definitions' defaults unless the config overrides them. */
export interface ResourceNames {
  tables: Record<TableKey, string>;
  queues: Record<QueueKey, string>;
}

/**
 * Environment overrides that give every table and queue a name of its own (`users-ab12`,
 * `user-commands-ab12.fifo`), through each resource's nameVariable: how tests and the bench
 * get isolated resources on shared emulators.
 */
export function suffixedResourceNames(suffix: string): Record<string, string> {
  const all = [
    ...Object.values(resourceDefinitions.tables),
    ...Object.values(resourceDefinitions.queues),
  ];
  return Object.fromEntries(
    all.map(({ name, nameVariable }) => [
      nameVariable,
      name.endsWith('.fifo')
        ? `${name.slice(0, -'.fifo'.length)}-${suffix}.fifo`
        : `${name}-${suffix}`,
    ]),
  );
}
