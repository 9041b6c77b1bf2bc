import { z } from 'zod';
import { UserCommandSchema } from '../../shared/contract/commands.ts';
import { CONTRACT_VERSIONS, type ContractVersions } from '../../shared/contract/parse-command.ts';

/**
 * What a later build of the worker reads: today's version, and a version 2 that it turns
 * into today's command (here version 2 differs only in its number). Used to show that a
 * dead letter an older worker could not read is applied once a newer one can.
 */
export const CONTRACT_WITH_VERSION_2: ContractVersions = new Map([
  ...CONTRACT_VERSIONS,
  [2, z.preprocess((message) => ({ ...(message as object), schemaVersion: 1 }), UserCommandSchema)],
]);
