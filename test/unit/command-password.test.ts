import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/command/arguments.ts';
import { PromptInterrupted, readPassword } from '../../scripts/command/password.ts';

/**
 * A terminal in memory: an input that says it is a TTY and records its raw mode, and an
 * output that answers each prompt it shows with the next of `answers`, as a person types,
 * noting whether echo was off (raw mode on) at that moment.
 */
function fakeTerminal(answers: string[]) {
  const modes: boolean[] = [];
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode(mode: boolean) {
      modes.push(mode);
      return input;
    },
  });
  const output = new PassThrough();
  const shown: string[] = [];
  const rawWhenTyped: boolean[] = [];
  output.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    shown.push(text);
    if (text.endsWith(': ')) {
      rawWhenTyped.push(modes.at(-1) === true);
      const answer = answers.shift();
      if (answer !== undefined) input.write(answer);
    }
  });
  return { input, output, modes, shown, rawWhenTyped };
}

function pipedStdin(text: string) {
  const input = new PassThrough();
  input.end(text);
  return { input, output: new PassThrough() };
}

describe('readPassword on a terminal', () => {
  it('asks twice with echo off, shows nothing of what was typed, and restores the terminal', async () => {
    const terminal = fakeTerminal(['correct horse battery\r', 'correct horse battery\r']);
    await expect(readPassword({ ...terminal, confirm: true })).resolves.toBe(
      'correct horse battery',
    );
    expect(terminal.rawWhenTyped).toEqual([true, true]);
    expect(terminal.modes).toEqual([true, false, true, false]);
    expect(terminal.shown.join('')).toBe('Password: \nPassword again: \n');
  });

  it('asks once when there is nothing to compare with (an update)', async () => {
    const terminal = fakeTerminal(['correct horse battery\n']);
    await expect(readPassword({ ...terminal, confirm: false })).resolves.toBe(
      'correct horse battery',
    );
    expect(terminal.shown.join('')).toBe('Password: \n');
  });

  it('refuses two different passwords', async () => {
    const terminal = fakeTerminal(['correct horse battery\r', 'correct horse batterY\r']);
    const error = await readPassword({ ...terminal, confirm: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe('the two passwords differ');
    expect(terminal.modes.at(-1)).toBe(false);
  });

  it('edits like a terminal line: backspace, Ctrl-U, and arrow keys left out', async () => {
    const typed = 'oops\u0015corrx\u007fect horse\u001b[D battery\u001b[C\r';
    const terminal = fakeTerminal([typed]);
    await expect(readPassword({ ...terminal, confirm: false })).resolves.toBe(
      'correct horse battery',
    );
  });

  it('stops at Ctrl-C, restoring the terminal', async () => {
    const terminal = fakeTerminal(['correct\u0003']);
    await expect(readPassword({ ...terminal, confirm: true })).rejects.toBeInstanceOf(
      PromptInterrupted,
    );
    expect(terminal.modes).toEqual([true, false]);
  });
});

describe('readPassword without a terminal', () => {
  it('reads the first line of stdin, without its line ending, and prompts for nothing', async () => {
    const stdin = pipedStdin('correct horse battery\r\nthe next line\n');
    await expect(readPassword({ ...stdin, confirm: true })).resolves.toBe('correct horse battery');
    expect(stdin.output.read()).toBeNull();
  });

  it('takes a last line without a line ending', async () => {
    await expect(
      readPassword({ ...pipedStdin('correct horse battery'), confirm: true }),
    ).resolves.toBe('correct horse battery');
  });

  it('refuses an empty stdin', async () => {
    await expect(readPassword({ ...pipedStdin(''), confirm: true })).rejects.toThrow(
      /^no password: stdin ended before a line/,
    );
  });

  it.each([
    ['too short', 'short', 'got 5'],
    ['an empty line', '', 'got 0'],
    ['past bcrypt’s 72 bytes', 'é'.repeat(37), 'got 74'],
  ])('refuses %s by the contract’s rule, never quoting it', async (_, password, got) => {
    const error = await readPassword({ ...pipedStdin(`${password}\n`), confirm: false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      `password: must be 8-72 bytes in UTF-8 (bcrypt's limit), ${got}`,
    );
  });
});
