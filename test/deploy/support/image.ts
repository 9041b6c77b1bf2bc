import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { contextCopies, type Instruction } from './dockerfile.ts';

const run = promisify(execFile);

/**
 * Lays out a stage's files in a folder the way its COPY lines do in /app: context copies
 * from the repository, `--from=<stage>` copies from that stage's folder (node_modules is
 * linked, not copied: same files, less time).
 */
export function assembleStage(
  instructions: Instruction[],
  options: { root: string; dir: string; stageDirs: Record<string, string>; workdir?: string },
) {
  const workdir = options.workdir ?? '/app';
  mkdirSync(options.dir, { recursive: true });
  for (const { keyword, args } of instructions) {
    if (keyword !== 'COPY') continue;
    const fromStage = args.match(/--from=(\S+)/)?.[1];
    const parts = args.split(/\s+/).filter((part) => !part.startsWith('--'));
    const destination = parts.pop() ?? '.';
    for (const source of parts) {
      const into = destination.endsWith('/') || parts.length > 1;
      const target = resolve(options.dir, into ? join(destination, basename(source)) : destination);
      mkdirSync(dirname(target), { recursive: true });
      if (fromStage) {
        const stageDir = options.stageDirs[fromStage];
        if (!stageDir) throw new Error(`stage ${fromStage} was not assembled`);
        symlinkSync(join(stageDir, source.replace(`${workdir}/`, '')), target);
      } else {
        cpSync(join(options.root, source), target, { recursive: true });
      }
    }
  }
  return contextCopies(instructions);
}

/** Runs a stage's RUN lines in its folder, with Node 24 first on PATH like in the image. */
export async function runStage(instructions: Instruction[], dir: string): Promise<void> {
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
  for (const { keyword, args } of instructions) {
    if (keyword !== 'RUN') continue;
    try {
      await run('sh', ['-c', args], { cwd: dir, env, timeout: 240_000 });
    } catch (error) {
      // npm appends its whole usage text to errors: keep the lines that say what went wrong.
      const stderr = String((error as { stderr?: string }).stderr ?? '');
      const reason = stderr
        .split('\n')
        .filter((line) => /error (code|Missing|Invalid|`)/.test(line));
      throw new Error(`RUN ${args} failed in ${dir}:\n${reason.join('\n') || stderr}`, {
        cause: error,
      });
    }
  }
}

/** `ENV A=1 B=2` lines of a stage, as the process would see them. */
export function imageEnvironment(instructions: Instruction[]): Record<string, string> {
  return Object.fromEntries(
    instructions
      .filter(({ keyword }) => keyword === 'ENV')
      .flatMap(({ args }) => args.split(/\s+/).map((pair) => pair.split('=') as [string, string])),
  );
}
