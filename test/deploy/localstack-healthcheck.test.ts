import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '../../localstack/healthcheck.py');
const run = promisify(execFile);

/** What the fake LocalStack answers on /_localstack/init/ready; null: it is not up yet. */
let initReady: unknown = null;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url !== '/_localstack/init/ready' || initReady === null) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(initReady));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function healthcheckExitCode(url = baseUrl): Promise<number> {
  try {
    await run('python3', [script, url]);
    return 0;
  } catch (error) {
    return (error as { code: number }).code;
  }
}

const hook = (state: string) => ({ stage: 'READY', name: '10-provision-resources.sh', state });

describe('the LocalStack healthcheck', () => {
  it('is healthy once every init hook finished successfully', async () => {
    initReady = { completed: true, scripts: [hook('SUCCESSFUL')] };
    expect(await healthcheckExitCode()).toBe(0);
  });

  it('is unhealthy while a hook still runs', async () => {
    initReady = { completed: false, scripts: [hook('RUNNING')] };
    expect(await healthcheckExitCode()).toBe(1);
  });

  it('is unhealthy when a hook failed, even though the stage completed', async () => {
    initReady = { completed: true, scripts: [hook('SUCCESSFUL'), hook('ERROR')] };
    expect(await healthcheckExitCode()).toBe(1);
  });

  it('is unhealthy when no hook ran at all (the ready.d mount is missing)', async () => {
    initReady = { completed: true, scripts: [] };
    expect(await healthcheckExitCode()).toBe(1);
  });

  it('is unhealthy while LocalStack does not answer', async () => {
    initReady = null;
    expect(await healthcheckExitCode()).toBe(1);
    expect(await healthcheckExitCode('http://127.0.0.1:9')).toBe(1);
  });
});
