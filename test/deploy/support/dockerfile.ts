import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string;
  /** The image or stage it starts from, as written (ARGs not expanded). */
  from: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages and their instructions; enough of the syntax for our own file. */
export function readDockerfile(path: string): Stage[] {
  const lines = readFileSync(path, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const [from = '', , name = `stage-${stages.length}`] = rest;
      stages.push({ name, from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

/** A stage with every instruction it inherits from the stages it is built `FROM`. */
export function resolveStage(stages: Stage[], name: string): Instruction[] {
  const stage = stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`Dockerfile has no stage ${name}`);
  const parent = stages.some((candidate) => candidate.name === stage.from)
    ? resolveStage(stages, stage.from)
    : [];
  return [...parent, ...stage.instructions];
}

/** Sources of the COPY lines that read the build context (not `--from` another stage). */
export function contextCopies(instructions: Instruction[]): string[] {
  return instructions
    .filter(({ keyword, args }) => keyword === 'COPY' && !args.includes('--from='))
    .flatMap(({ args }) => {
      const parts = args.split(/\s+/).filter((part) => !part.startsWith('--'));
      return parts.slice(0, -1);
    });
}

/** The exec-form CMD of a resolved stage, e.g. ['node', 'api/main.ts']. */
export function commandOf(instructions: Instruction[]): string[] {
  const cmd = instructions.findLast(({ keyword }) => keyword === 'CMD');
  if (!cmd) throw new Error('stage has no CMD');
  return JSON.parse(cmd.args) as string[];
}
