import type { CommandOutcome } from '../../shared/client/index.ts';
import { printable } from '../dlq/printable.ts';
import { EXIT } from './arguments.ts';

const EXIT_OF_STATUS: Record<CommandOutcome['status'], number> = {
  succeeded: EXIT.ok,
  rejected: EXIT.rejected,
  invalid: EXIT.invalid,
  'dead-lettered': EXIT.deadLettered,
};

/**
 * A settled command as one line for stdout (`rejected: a user with this email already
 * exists`), and the exit code that says the same to a script. Reasons never quote a
 * message's values; they still go through printable(), like everything the dlq tool shows.
 */
export function describeOutcome(outcome: CommandOutcome): { line: string; exitCode: number } {
  const reason = typeof outcome.reason === 'string' ? `: ${printable(outcome.reason)}` : '';
  return {
    line: `${printable(String(outcome.status))}${reason}`,
    exitCode: EXIT_OF_STATUS[outcome.status] ?? EXIT.failed,
  };
}
