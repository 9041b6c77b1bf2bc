import { describe, expect, it } from 'vitest';
import {
  flagOf,
  PASSWORD_ON_ARGV,
  parseCommandArgs,
  UsageError,
} from '../../scripts/command/arguments.ts';

const EMAIL = ['--email', 'ada@example.com'];

function refusal(args: string[]): string {
  try {
    parseCommandArgs(args);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${args.join(' ')}`);
}

describe('npm run command: its arguments', () => {
  it('reads a create, which always needs a password, waiting 30 s by default', () => {
    expect(
      parseCommandArgs(['create', ...EMAIL, '--first-name', 'Ada', '--last-name', 'Lovelace']),
    ).toEqual({
      action: 'create',
      emailAddress: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      needsPassword: true,
      wait: false,
      timeoutMs: 30_000,
    });
  });

  it('reads an update: a bare --password asks for one, names alone do not', () => {
    expect(parseCommandArgs(['update', ...EMAIL, '--password'])).toMatchObject({
      action: 'update',
      needsPassword: true,
    });
    expect(parseCommandArgs(['update', ...EMAIL, '--last-name', 'King'])).toEqual({
      action: 'update',
      emailAddress: 'ada@example.com',
      lastName: 'King',
      needsPassword: false,
      wait: false,
      timeoutMs: 30_000,
    });
  });

  it('reads a delete with its idempotency key, --wait and --timeout', () => {
    expect(
      parseCommandArgs(['delete', ...EMAIL, '--command-id', 'k-1', '--wait', '--timeout', '2.5']),
    ).toEqual({
      action: 'delete',
      emailAddress: 'ada@example.com',
      needsPassword: false,
      commandId: 'k-1',
      wait: true,
      timeoutMs: 2500,
    });
  });

  it('asks for help with --help or -h, whatever else is there', () => {
    expect(parseCommandArgs(['--help'])).toEqual({ help: true });
    expect(parseCommandArgs(['update', '--password', '-h'])).toEqual({ help: true });
  });

  it.each([
    [[], 'give an action: create, update or delete'],
    [['remove', ...EMAIL], 'the action must be create, update or delete'],
    [['delete'], 'delete needs --email'],
    [['create', ...EMAIL, '--last-name', 'L'], 'create needs --first-name'],
    [['create', ...EMAIL], 'create needs --first-name and --last-name'],
    [
      ['update', ...EMAIL],
      'update needs at least one of --first-name, --last-name, --password (the email cannot change)',
    ],
    [
      ['delete', ...EMAIL, '--password', '--last-name', 'L'],
      'delete takes no --last-name, --password: only --email',
    ],
    [['delete', ...EMAIL, '--timeout', '5'], '--timeout applies only with --wait'],
    [
      ['delete', ...EMAIL, '--wait', '--timeout', 'soon'],
      '--timeout must be a number of seconds greater than 0',
    ],
    [
      ['delete', ...EMAIL, '--wait', '--timeout', '0'],
      '--timeout must be a number of seconds greater than 0',
    ],
    [['delete', '--emial', 'ada@example.com'], 'unknown option --emial'],
    [['delete', '--email'], "Option '--email <value>' argument missing"],
  ])('refuses %j: %s', (args, message) => {
    expect(refusal(args)).toBe(message);
  });

  it('refuses values that belong to no flag, without repeating them', () => {
    const message = refusal(['create', ...EMAIL, '--first-name', 'Ada', 'Lovelace']);
    expect(message).toBe(
      '1 argument(s) after create that belong to no flag: each flag takes one value (quote values with spaces)',
    );
  });

  it.each([
    [['update', ...EMAIL, '--password=hunter2hunter2']],
    [['update', ...EMAIL, '--password=']],
    [['update', ...EMAIL, '--password', 'hunter2hunter2']],
    [['update', ...EMAIL, '--password', '-hunter2hunter2']],
    [['update', ...EMAIL, '--password', '--hunter2hunter2']],
    [['--password', 'hunter2hunter2', 'update', ...EMAIL]],
    [['update', ...EMAIL, '--password', 'hunter2hunter2', '--help']],
  ])('refuses a password on the command line: %j', (args) => {
    const message = refusal(args);
    expect(message).toBe(PASSWORD_ON_ARGV);
    expect(message).toMatch(/`ps`.*shell history/);
    expect(message).not.toContain('hunter');
  });

  it('takes a bare --password followed by another flag', () => {
    expect(
      parseCommandArgs(['update', '--password', ...EMAIL, '--password', '--wait', '--timeout=3']),
    ).toMatchObject({ needsPassword: true, wait: true, timeoutMs: 3000 });
  });

  it('names the flag behind each contract field', () => {
    expect(
      ['payload.emailAddress', 'payload.firstName', 'payload.lastName', 'commandId', 'payload'].map(
        flagOf,
      ),
    ).toEqual(['--email', '--first-name', '--last-name', '--command-id', 'payload']);
  });
});
