import type { z } from 'zod';
import type { CommandType, UserCommand } from '../../shared/contract/commands.ts';
import type { ApplyOutcome } from '../outcomes.ts';
import type { MessageFacts, UserWriteRepository } from '../user-write-repository.ts';

/** One command type: the contract schema of its message, and what applying it means. */
export interface CommandHandler<T extends CommandType> {
  schema: z.ZodType<Extract<UserCommand, { type: T }>>;
  apply(
    command: Extract<UserCommand, { type: T }>,
    writes: UserWriteRepository,
    facts: MessageFacts,
  ): Promise<ApplyOutcome>;
}
