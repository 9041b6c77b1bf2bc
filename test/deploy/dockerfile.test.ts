import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandOf, contextCopies, readDockerfile, resolveStage } from './support/dockerfile.ts';
import { readSourceGraph } from './support/source-graph.ts';

const root = join(import.meta.dirname, '../..');
const stages = readDockerfile(join(root, 'Dockerfile'));
const targets = ['api', 'worker', 'provision'] as const;
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

function argDefault(name: string): string | undefined {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
  return text.match(new RegExp(`^ARG ${name}=(\\S+)$`, 'm'))?.[1];
}

/** Whether the build context leaves a path out: as Docker reads it, the last matching line wins. */
function ignored(path: string): boolean {
  let result = false;
  for (const line of dockerignore) {
    const pattern = line.replace(/^!/, '');
    if (path === pattern || path.startsWith(`${pattern}/`)) result = !line.startsWith('!');
  }
  return result;
}

/** Whether a path lands in the image through one of these COPY sources. */
const copiedBy = (sources: string[], path: string) =>
  sources.some((source) => path === source || path.startsWith(`${source}/`));

describe('the Dockerfile', () => {
  it('builds every stage on the Node 24 slim image, or on another of its stages', () => {
    expect(argDefault('NODE_IMAGE')).toBe('node:24-slim');
    const names = stages.map((stage) => stage.name);
    for (const stage of stages) {
      expect([...names, '$' + '{NODE_IMAGE}']).toContain(stage.from);
    }
  });

  it('installs production dependencies only, from the lockfile, without install scripts', () => {
    const runs = stages.flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'RUN'));
    expect(runs.map((run) => run.args)).toEqual([
      expect.stringMatching(/^npm (ci|install) --omit=dev --ignore-scripts\b/),
    ]);
  });

  it.each(targets)('runs the %s as a non-root user', (target) => {
    const users = resolveStage(stages, target).filter((i) => i.keyword === 'USER');
    expect(users.at(-1)?.args).toMatch(/^(?!root$|0$)\w+$/);
  });

  it('bakes in no credential or secret', () => {
    const settings = stages.flatMap((stage) =>
      stage.instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG'),
    );
    for (const { args } of settings) {
      expect(args).not.toMatch(/KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL/i);
    }
    for (const target of targets) {
      expect(contextCopies(resolveStage(stages, target))).not.toContain('.env');
    }
  });

  it.each(targets)(
    'starts the %s with node on its TypeScript entry point, no npm, no tsx',
    (target) => {
      const [program, entry, ...rest] = commandOf(resolveStage(stages, target));
      expect(program).toBe('node');
      expect(rest).toEqual([]);
      expect(entry).toMatch(/\.ts$/);
      expect(existsSync(join(root, entry ?? ''))).toBe(true);
    },
  );

  it.each(targets)('copies into the %s image every file its entry point loads', (target) => {
    const instructions = resolveStage(stages, target);
    const sources = contextCopies(instructions);
    const graph = readSourceGraph(root, commandOf(instructions)[1] ?? '');
    // package.json says "type": "module", without which Node would not run the sources as ESM.
    const needed = ['package.json', ...graph.files, ...graph.assets];
    expect(needed.filter((path) => !copiedBy(sources, path))).toEqual([]);
  });

  it('gives the provision image scripts/provision.ts and nothing else of scripts/', () => {
    const sources = contextCopies(resolveStage(stages, 'provision'));
    expect(sources.filter((source) => source.split('/')[0] === 'scripts')).toEqual([
      'scripts/provision.ts',
    ]);
    expect(readSourceGraph(root, 'scripts/provision.ts').files).toEqual(
      expect.arrayContaining(['shared/provision.ts', 'shared/resources.json']),
    );
  });

  it('keeps the worker as the last stage, which a plain `docker build .` builds', () => {
    expect(stages.at(-1)?.name).toBe('worker');
  });
});

describe('the .dockerignore', () => {
  it('keeps dependencies, data folders, git and env files out of the build context', () => {
    expect(dockerignore).toEqual(
      expect.arrayContaining(['node_modules', '.data', '.git', '.env', '.env.*']),
    );
  });

  it('keeps in everything the Dockerfile copies', () => {
    const sources = stages.flatMap((stage) => contextCopies(stage.instructions));
    expect(sources.filter(ignored)).toEqual([]);
  });
});
