import { randomUUID } from 'node:crypto';
import { createDynamoDbDocumentClient, createSqsClient } from '../shared/aws-clients.ts';
import {
  createUserCommandsClient,
  hashPassword,
  OutcomeTimeoutError,
  type UserCommandsClient,
  waitForOutcome,
} from '../shared/client/index.ts';
import { type Config, loadConfigOrExit } from '../shared/config.ts';
import { createLogger } from '../shared/logger.ts';
import { resolveQueueUrl } from '../shared/queue-url.ts';
import {
  type CommandRequest,
  EXIT,
  parseCommandArgs,
  USAGE,
  UsageError,
} from './command/arguments.ts';
import { checkFlags, commandInputOf, publishCommand } from './command/command-input.ts';
import { describeOutcome } from './command/outcome.ts';
import { PromptInterrupted, readPassword } from './command/password.ts';

/*
 * `npm run command`: one user command from a shell, through the client library, with the
 * service's own config. The flags, the exit codes and why: USAGE in command/arguments.ts.
 */
const QUEUE_WAIT_SECONDS = 5;
const say = (text: string) => process.stdout.write(`${text}\n`);
const complain = (text: string) => process.stderr.write(`${text}\n`);

let request: CommandRequest;
try {
  const parsed = parseCommandArgs(process.argv.slice(2));
  if ('help' in parsed) {
    process.stderr.write(USAGE);
    process.exit(EXIT.ok);
  }
  request = parsed;
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  if (process.argv.length <= 2) process.stderr.write(USAGE);
  else usageError([error.message]);
  process.exit(EXIT.usage);
}

const config = loadConfigOrExit();
process.exitCode = await run(request, config);

async function run(request: CommandRequest, config: Config): Promise<number> {
  // Chosen here, not by the client: a send that fails halfway can be repeated under it.
  const commandId = request.commandId ?? randomUUID();
  const problems = checkFlags(request, commandId);
  if (problems.length > 0) return usageError(problems);

  // Logs (a queue that is slow to answer) go to stderr: stdout is the command id alone.
  const log = createLogger({
    name: 'command',
    level: config.env.LOG_LEVEL,
    destination: process.stderr,
  });
  const sqs = createSqsClient(config.aws, { requestTimeoutMs: 10_000 });
  try {
    let client: UserCommandsClient;
    try {
      // Someone is waiting at a terminal: a few seconds of retries, not a service's start-up.
      const queueUrl = await resolveQueueUrl(sqs, config.resources.queues.command, {
        timeoutSeconds: Math.min(config.env.STARTUP_TIMEOUT_SECONDS, QUEUE_WAIT_SECONDS),
        log,
      });
      client = createUserCommandsClient({ sqs, queueUrl });
    } catch (error) {
      complain(`error: ${(error as Error).message.replace(/\.?$/, '.')} Nothing was sent.`);
      return EXIT.failed;
    }

    let passwordHash: string | undefined;
    if (request.needsPassword) {
      try {
        const password = await readPassword({
          input: process.stdin,
          output: process.stderr,
          confirm: request.action === 'create',
        });
        passwordHash = await hashPassword(password, config.env.BCRYPT_COST);
      } catch (error) {
        if (error instanceof PromptInterrupted) {
          complain('interrupted: nothing was sent');
          return EXIT.interrupted;
        }
        if (error instanceof UsageError) return usageError([error.message]);
        throw error;
      }
    }

    try {
      await publishCommand(client, commandInputOf(request, commandId, passwordHash));
    } catch (error) {
      complain(
        `error: could not send command ${commandId}: ${(error as Error).message}\n` +
          `It may or may not have been stored: to be sure it is sent once, run the same command again with --command-id ${commandId}.`,
      );
      return EXIT.failed;
    }
    say(commandId);
    return request.wait ? await waitAndReport(commandId, request.timeoutMs, config) : EXIT.ok;
  } finally {
    sqs.destroy();
  }
}

async function waitAndReport(commandId: string, timeoutMs: number, config: Config) {
  const dynamodb = createDynamoDbDocumentClient(config.aws, { requestTimeoutMs: 10_000 });
  const commandsTable = config.resources.tables.commands;
  try {
    const outcome = await waitForOutcome(commandId, { dynamodb, commandsTable, timeoutMs });
    const { line, exitCode } = describeOutcome(outcome);
    say(line);
    if (outcome.reusedForOtherContent) {
      complain(
        `note: command id ${commandId} was also used for other content; that was ignored, and this is the outcome of the first command sent under it.`,
      );
    }
    return exitCode;
  } catch (error) {
    if (error instanceof OutcomeTimeoutError) {
      complain(
        `timed out: command ${commandId} is still ${error.status} after ${timeoutMs / 1000} s; it may yet be applied. ` +
          `To keep waiting, run the same command again with --command-id ${commandId} --wait (one command id, one effect).`,
      );
      return EXIT.timedOut;
    }
    complain(
      `error: command ${commandId} was sent, but its outcome could not be read from ${commandsTable} ` +
        `(this needs dynamodb:GetItem on it): ${(error as Error).message}`,
    );
    return EXIT.failed;
  } finally {
    dynamodb.destroy();
  }
}

function usageError(lines: string[]): number {
  for (const line of lines) complain(`error: ${line}`);
  complain('Nothing was sent. `npm run command -- --help` shows the usage.');
  return EXIT.usage;
}
