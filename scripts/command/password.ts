import { PasswordSchema } from '../../shared/contract/fields.ts';
import { UsageError } from './arguments.ts';

/** Where the password comes from: process.stdin, or a stand-in in tests. */
export interface PasswordInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** Ctrl-C at the prompt: nothing was sent. */
export class PromptInterrupted extends Error {
  override name = 'PromptInterrupted';
}

/** Arrow keys and the like arrive as escape sequences: they are not part of a password. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what this looks for.
const ESCAPE_SEQUENCE = /\u001b(\[[0-9;]*[~A-Za-z]|O[A-Za-z])?/g;

/** More than any password the contract takes: reading stops here, and the check refuses it. */
const LINE_LIMIT = 1024;

/**
 * The password: asked for with echo off when `input` is a terminal (twice, to compare,
 * when `confirm`), else the first line of `input`. Checked against the contract's rule;
 * a UsageError says what is wrong, never what was typed.
 */
export async function readPassword(options: {
  input: PasswordInput;
  /** Where prompts go: stderr, so stdout stays the command id alone. */
  output: NodeJS.WritableStream;
  confirm: boolean;
}): Promise<string> {
  const { input, output } = options;
  let password: string;
  if (input.isTTY) {
    password = await promptHidden(input, output, 'Password: ');
    if (options.confirm) {
      const again = await promptHidden(input, output, 'Password again: ');
      if (again !== password) throw new UsageError('the two passwords differ');
    }
  } else {
    const line = await readFirstLine(input);
    if (line === undefined) {
      throw new UsageError(
        'no password: stdin ended before a line; pipe the password as its first line, or run in a terminal to be asked',
      );
    }
    password = line;
  }
  const checked = PasswordSchema.safeParse(password);
  if (!checked.success) {
    throw new UsageError(
      `password: ${checked.error.issues.map((issue) => issue.message).join('; ')}`,
    );
  }
  return checked.data;
}

/** One line typed on a terminal in raw mode, so nothing is echoed. */
function promptHidden(
  input: PasswordInput,
  output: NodeJS.WritableStream,
  prompt: string,
): Promise<string> {
  // Echo off before the prompt shows, so nothing typed after it can be echoed.
  input.setRawMode?.(true);
  output.write(prompt);
  input.setEncoding('utf8');
  return new Promise<string>((resolve, reject) => {
    let typed: string[] = [];
    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed.join(''));
    };
    const onData = (chunk: string) => {
      for (const character of chunk.replace(ESCAPE_SEQUENCE, '')) {
        if (character === '\r' || character === '\n') return finish();
        if (character === '\u0003') return finish(new PromptInterrupted('interrupted'));
        if (character === '\u0004') {
          return finish(new UsageError('no password given (end of input)'));
        }
        if (character === '\u007f' || character === '\b') typed = typed.slice(0, -1);
        else if (character === '\u0015') typed = [];
        else if (character >= ' ') typed.push(character);
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

/** The first line of a stream, without its line ending; undefined when it ends empty. */
function readFirstLine(input: PasswordInput): Promise<string | undefined> {
  input.setEncoding('utf8');
  return new Promise<string | undefined>((resolve, reject) => {
    let text = '';
    const done = (line: string | undefined) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', reject);
      input.pause();
      resolve(line);
    };
    const onData = (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) done(text.slice(0, end).replace(/\r$/, ''));
      else if (text.length > LINE_LIMIT) done(text);
    };
    const onEnd = () => done(text === '' ? undefined : text.replace(/\r$/, ''));
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', reject);
    input.resume();
  });
}
