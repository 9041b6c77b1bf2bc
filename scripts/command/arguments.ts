import { parseArgs } from 'node:util';

/** Exit codes of `npm run command`, as its usage text lists them. */
export const EXIT = {
  ok: 0,
  /** Could not publish or read the outcome (AWS unreachable, no queue, no access). */
  failed: 1,
  usage: 2,
  rejected: 3,
  invalid: 4,
  deadLettered: 5,
  timedOut: 6,
  /** Ctrl-C at the password prompt (128 + SIGINT). */
  interrupted: 130,
} as const;

export const USAGE = `Usage: npm run command -- <create|update|delete> --email EMAIL [options]

  create    --email EMAIL --first-name NAME --last-name NAME
            Asks for the password (twice), or reads it from the first line of stdin.
  update    --email EMAIL and at least one of --first-name NAME, --last-name NAME,
            --password (no value: asks for the new password, or reads it from stdin)
  delete    --email EMAIL

  --command-id ID   Your idempotency key (1-128 of A-Z a-z 0-9 _ . : -): the same id
                    has one effect, however often it is sent. A fresh UUID by default.
  --wait            Wait for the outcome (reads the commands table) and print it.
  --timeout S       With --wait: give up after S seconds (default 30).
  -h, --help        This text.

The password is never an argument (argv shows in \`ps\` and in shell history): in a
terminal it is asked for with echo off; otherwise it is the first line of stdin, e.g.
  printf '%s\\n' "$PASSWORD" | npm run command --silent -- create --email … --first-name … --last-name …
It is checked (8-72 UTF-8 bytes) and hashed with bcrypt (BCRYPT_COST) here; the queue
never carries it.

Prints the command id on stdout (id=$(npm run command --silent -- delete --email …));
with --wait, then the outcome: its status, and the reason when there is one.

Exit codes: 0 sent (with --wait: succeeded); 1 could not send or read the outcome;
2 wrong usage or value, nothing sent; with --wait: 3 rejected, 4 invalid,
5 dead-lettered, 6 still pending or retrying after --timeout (it may yet be applied).

Works against whatever the environment names (AWS_ENDPOINT_URL_SQS,
AWS_ENDPOINT_URL_DYNAMODB, COMMAND_QUEUE, COMMANDS_TABLE, BCRYPT_COST, AWS
credentials), like the API and the worker.
`;

/** A mistake of the caller's: said in one line or a few, with exit code 2 and no stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Action = 'create' | 'update' | 'delete';

export interface CommandRequest {
  action: Action;
  /** As given; the contract trims and checks them. */
  emailAddress: string;
  firstName?: string;
  lastName?: string;
  /** create always; update with --password. */
  needsPassword: boolean;
  commandId?: string;
  wait: boolean;
  timeoutMs: number;
}

const OPTIONS = {
  email: { type: 'string' },
  'first-name': { type: 'string' },
  'last-name': { type: 'string' },
  password: { type: 'boolean' },
  'command-id': { type: 'string' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The contract's field names, as the flags that set them. */
const FLAG_OF_FIELD: Record<string, string> = {
  'payload.emailAddress': '--email',
  'payload.firstName': '--first-name',
  'payload.lastName': '--last-name',
  'payload.passwordHash': 'password',
  commandId: '--command-id',
};

export function flagOf(field: string): string {
  return FLAG_OF_FIELD[field] ?? field;
}

export const PASSWORD_ON_ARGV =
  '--password takes no value: a password on the command line shows in `ps` to every user ' +
  'of this machine and stays in your shell history (treat that one as exposed). Give --password alone and type it when asked, or pipe it as the first line of stdin.';

/** `{ help: true }`, or what to send; throws a UsageError naming what is wrong. */
export function parseCommandArgs(argv: readonly string[]): { help: true } | CommandRequest {
  refusePasswordValue(argv);
  const { values, positionals } = parseFlags(argv);
  if (values.help) return { help: true };
  const [action, ...extra] = positionals;
  if (action === undefined) throw new UsageError('give an action: create, update or delete');
  if (action !== 'create' && action !== 'update' && action !== 'delete') {
    throw new UsageError('the action must be create, update or delete');
  }
  if (extra.length > 0) {
    // Not echoed: it may be an email or a password typed in the wrong place.
    throw new UsageError(
      `${extra.length} argument(s) after ${action} that belong to no flag: each flag takes one value (quote values with spaces)`,
    );
  }
  if (values.email === undefined) throw new UsageError(`${action} needs --email`);
  const given = (flag: keyof typeof values) => values[flag] !== undefined;
  if (action === 'create') {
    const missing = (['first-name', 'last-name'] as const).filter((flag) => !given(flag));
    if (missing.length > 0) {
      throw new UsageError(`create needs ${missing.map((flag) => `--${flag}`).join(' and ')}`);
    }
  }
  if (action === 'update' && !given('first-name') && !given('last-name') && !values.password) {
    throw new UsageError(
      'update needs at least one of --first-name, --last-name, --password (the email cannot change)',
    );
  }
  if (action === 'delete') {
    const extraFlags = (['first-name', 'last-name', 'password'] as const).filter(given);
    if (extraFlags.length > 0) {
      throw new UsageError(
        `delete takes no ${extraFlags.map((flag) => `--${flag}`).join(', ')}: only --email`,
      );
    }
  }
  if (values.timeout !== undefined && !values.wait) {
    throw new UsageError('--timeout applies only with --wait');
  }
  const timeoutSeconds = values.timeout === undefined ? 30 : Number(values.timeout);
  if (!(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)) {
    throw new UsageError('--timeout must be a number of seconds greater than 0');
  }
  return {
    action,
    emailAddress: values.email,
    ...(values['first-name'] === undefined ? {} : { firstName: values['first-name'] }),
    ...(values['last-name'] === undefined ? {} : { lastName: values['last-name'] }),
    needsPassword: action === 'create' || values.password === true,
    ...(values['command-id'] === undefined ? {} : { commandId: values['command-id'] }),
    wait: values.wait === true,
    timeoutMs: Math.round(timeoutSeconds * 1000),
  };
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true });
  } catch (error) {
    // Node's own words, without its advice on positionals (we take none of that kind).
    const message = (error as Error).message;
    const unknown = /^Unknown option '([^']*)'/.exec(message)?.[1];
    throw new UsageError(unknown ? `unknown option ${unknown}` : (message.split('\n')[0] ?? ''));
  }
}

/**
 * `--password=x`, or `--password x`: refused before anything else reads argv, so no error
 * message ever quotes it. What follows a bare --password may only be another of our flags.
 */
function refusePasswordValue(argv: readonly string[]) {
  const ours = (token: string) =>
    token === '-h' || Object.hasOwn(OPTIONS, token.replace(/^--/, '').replace(/=.*$/s, ''));
  argv.forEach((token, index) => {
    if (token === '--') return;
    if (token.startsWith('--password=')) throw new UsageError(PASSWORD_ON_ARGV);
    const next = argv[index + 1];
    if (token === '--password' && next !== undefined && !(next.startsWith('-') && ours(next))) {
      throw new UsageError(PASSWORD_ON_ARGV);
    }
  });
}
