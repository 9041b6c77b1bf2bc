import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { findFreePort } from '../../scripts/dev/emulators.ts';
import { readCompose, serviceOf } from './support/compose.ts';
import { commandOf, readDockerfile, resolveStage } from './support/dockerfile.ts';
import { assembleStage, imageEnvironment, runStage } from './support/image.ts';

/**
 * Builds what the Dockerfile builds, without Docker: its COPY lines into folders, its
 * `npm ci` (production dependencies only), then its CMDs, on Node 24 like the image, in the
 * order of docker-compose.yml: provision to its end, then api and worker.
 */
const root = join(import.meta.dirname, '../..');
const stages = readDockerfile(join(root, 'Dockerfile'));
const workdir = mkdtempSync(join(tmpdir(), 'image-'));
const children: Record<string, ChildProcess> = {};
const output: Record<string, string> = { api: '', worker: '' };
let baseUrl: string;
let port: number;
let env: Record<string, string>;
/** What the provision image printed and how it exited, at the first and the second run. */
const provisionRuns: { exitCode: number | null; stdout: string; stderr: string }[] = [];

function start(target: 'api' | 'worker', env: Record<string, string>) {
  const instructions = resolveStage(stages, target);
  const [, ...args] = commandOf(instructions);
  // Only what a container gets: the image's ENV and compose-style variables; no PATH, no npm.
  const child = spawn(process.execPath, args, {
    cwd: join(workdir, target),
    env: { ...imageEnvironment(instructions), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output[target] += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output[target] += chunk;
  });
  children[target] = child;
}

/** The provision image's CMD, run to its end like the compose one-shot. */
function runProvision(): { exitCode: number | null; stdout: string; stderr: string } {
  const instructions = resolveStage(stages, 'provision');
  const [, ...args] = commandOf(instructions);
  const result = spawnSync(process.execPath, args, {
    cwd: join(workdir, 'provision'),
    env: { ...imageEnvironment(instructions), ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** The API healthcheck of docker-compose.yml, run with the same Node as the image. */
function composeHealthcheck(): number | null {
  const [, , flag, script] =
    serviceOf(readCompose(join(root, 'docker-compose.yml')), 'api').healthcheck?.test ?? [];
  return spawnSync(process.execPath, [flag ?? '', script ?? ''], {
    env: { PORT: String(port) },
    timeout: 10_000,
  }).status;
}

beforeAll(async () => {
  const stageDirs: Record<string, string> = {};
  for (const stage of stages.filter((s) => s.instructions.some((i) => i.keyword === 'RUN'))) {
    stageDirs[stage.name] = join(workdir, stage.name);
    assembleStage(stage.instructions, { root, dir: stageDirs[stage.name] as string, stageDirs });
    await runStage(stage.instructions, stageDirs[stage.name] as string);
  }
  for (const target of ['provision', 'api', 'worker']) {
    assembleStage(resolveStage(stages, target), { root, dir: join(workdir, target), stageDirs });
  }

  const suffix = randomUUID().slice(0, 8);
  port = await findFreePort();
  baseUrl = `http://127.0.0.1:${port}`;
  env = {
    ...inject('emulatorEnv'),
    USERS_TABLE: `users-image-${suffix}`,
    COMMANDS_TABLE: `commands-image-${suffix}`,
    COMMAND_QUEUE: `user-commands-image-${suffix}.fifo`,
    DEAD_LETTER_QUEUE: `user-commands-dlq-image-${suffix}.fifo`,
    HOST: '127.0.0.1',
    PORT: String(port),
    BCRYPT_COST: '4',
    HASH_THREADS: '1',
    WORKER_POLLERS: '1',
    WORKER_WAIT_TIME_SECONDS: '1',
  };
  // As compose does: api and worker only after provision exited 0.
  provisionRuns.push(runProvision());
  if (provisionRuns[0]?.exitCode !== 0) {
    throw new Error(`provision failed:\n${provisionRuns[0]?.stdout}${provisionRuns[0]?.stderr}`);
  }

  start('api', env);
  start('worker', env);
  await vi.waitFor(
    async () => {
      for (const [name, child] of Object.entries(children)) {
        if (child.exitCode !== null) throw new Error(`${name} exited early:\n${output[name]}`);
      }
      const response = await fetch(`${baseUrl}/ready`);
      if (response.status !== 200) throw new Error(`/ready answered ${response.status}`);
    },
    { timeout: 30_000, interval: 200 },
  );
}, 300_000);

afterAll(() => {
  for (const child of Object.values(children)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  rmSync(workdir, { recursive: true, force: true });
});

describe('the image entry points, started as the Dockerfile starts them', () => {
  it('provision: create every table and queue, then exit 0', () => {
    const [first] = provisionRuns;
    expect(first?.exitCode).toBe(0);
    expect(first?.stdout.match(/^ +created +(table|queue) /gm)).toHaveLength(4);
  });

  it('provision: run again and change nothing, as at every compose up', () => {
    const second = runProvision();
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/^ +(created|index-created|ttl-enabled|drift) /m);
    expect(second.stdout.match(/^ +exists +(table|queue) /gm)).toHaveLength(4);
  });

  it('have no development-only package to lean on, TypeScript tooling included', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    const devOnly = Object.entries(lock.packages as Record<string, { dev?: boolean }>)
      .filter(([path, entry]) => entry.dev && path.split('node_modules/').length === 2)
      .map(([path]) => path);
    expect(devOnly).toEqual(
      expect.arrayContaining(['node_modules/typescript', 'node_modules/vitest']),
    );
    const installed = devOnly.filter((path) => existsSync(join(workdir, 'dependencies', path)));
    expect(installed).toEqual([]);
    expect(existsSync(join(workdir, 'dependencies/node_modules/fastify'))).toBe(true);
  });

  it('get exactly the versions the lockfile pins', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    for (const name of Object.keys(dependencies)) {
      const manifest = join(workdir, 'dependencies/node_modules', name, 'package.json');
      const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
      expect(version, name).toBe(lock.packages[`node_modules/${name}`].version);
    }
  });

  it('accept a user over HTTP and apply it in the worker', async () => {
    const emailAddress = `image-${randomUUID().slice(0, 8)}@example.com`;
    const accepted = await fetch(`${baseUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        firstName: 'Grace',
        lastName: 'Hopper',
        emailAddress,
        password: 'correct horse',
      }),
    });
    expect(accepted.status).toBe(202);
    const { commandId } = (await accepted.json()) as { commandId: string };

    const outcome = await fetch(`${baseUrl}/commands/${commandId}?waitSeconds=10`);
    expect(await outcome.json()).toMatchObject({
      commandId,
      status: 'succeeded',
      type: 'user.create',
    });
    const user = await fetch(`${baseUrl}/users/${encodeURIComponent(emailAddress)}`);
    expect(await user.json()).toMatchObject({
      emailAddress,
      firstName: 'Grace',
      lastName: 'Hopper',
    });
  }, 30_000);

  it('serve the web page from the files the image holds', async () => {
    const page = await fetch(`${baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('pass the compose healthcheck of the API while it runs', () => {
    expect(composeHealthcheck()).toBe(0);
  });

  it('exit 0 on SIGTERM, after which the healthcheck fails', async () => {
    const { api, worker } = children as Record<'api' | 'worker', ChildProcess>;
    api.kill('SIGTERM');
    worker.kill('SIGTERM');
    expect(await exitOf(api), output.api).toEqual({ code: 0, signal: null });
    expect(await exitOf(worker), output.worker).toEqual({ code: 0, signal: null });
    expect(composeHealthcheck()).toBe(1);
  }, 30_000);
});
