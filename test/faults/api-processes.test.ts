import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findFreePort } from '../../scripts/dev/emulators.ts';
import { type FaultSystem, startFaultSystem } from '../harness/fault-system.ts';
import type { ServiceProcess } from '../harness/processes.ts';

let system: FaultSystem;
let api: ServiceProcess;
let port: number;

beforeAll(async () => {
  port = await findFreePort();
  system = await startFaultSystem({ PORT: String(port), API_PROCESSES: '2' });
  api = await system.startApi();
});
afterAll(async () => system?.close());

/** The API processes the primary has started (its child processes, from /proc). */
function apiProcesses(primary: number): number[] {
  try {
    const children = readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8');
    return children.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** One request on a connection of its own, so the kernel picks a process for each. */
function send(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function acceptedUpdates(metricsText: string): number {
  const line = metricsText
    .split('\n')
    .find((l) => l.startsWith('user_commands_accepted_total{') && l.includes('type="user.update"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** pids in the access-log lines of requests to `path`. */
function servedBy(path: string): Set<unknown> {
  return new Set(
    api
      .logs()
      .filter(
        (e) =>
          e.msg === 'request completed' &&
          String((e.req as { url?: string })?.url).startsWith(path),
      )
      .map((e) => e.pid),
  );
}

/** Lines the supervising process itself logged with this message. */
function primaryLogged(msg: string) {
  return api.logs().filter((e) => e.msg === msg && e.pid === api.pid);
}

describe('API_PROCESSES=2', () => {
  it('serves from two processes on one port, and /metrics adds up both', async () => {
    await vi.waitFor(() => expect(primaryLogged('all api processes listening')).toHaveLength(1), {
      timeout: 10_000,
    });
    expect(apiProcesses(api.pid)).toHaveLength(2);
    const updates = 24;
    for (let i = 0; i < updates; i++) {
      const answer = await send('PATCH', `/users/p-${i}@processes.test`, { firstName: 'Proc' });
      expect(answer.status, answer.text).toBe(202);
    }
    // Connections spread over both processes (24 on one alone: about 1 in 8 million).
    expect(servedBy('/users/').size).toBe(2);
    for (const pid of servedBy('/users/')) expect(apiProcesses(api.pid)).toContain(pid);
    // Whichever process answers the scrape, it reports the commands both accepted.
    for (let i = 0; i < 4; i++) {
      const metrics = await send('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(acceptedUpdates(metrics.text)).toBe(updates);
    }
    expect(servedBy('/metrics').size).toBeGreaterThan(0);
  });

  it('starts a new process when one dies, and keeps serving', async () => {
    const [victim] = apiProcesses(api.pid);
    process.kill(victim as number, 'SIGKILL');
    await vi.waitFor(
      () => {
        const now = apiProcesses(api.pid);
        expect(now).toHaveLength(2);
        expect(now).not.toContain(victim);
      },
      { timeout: 10_000 },
    );
    await vi.waitFor(
      () => {
        const [exited] = primaryLogged('an api process exited; starting a new one');
        expect(exited).toMatchObject({ apiProcess: victim, signal: 'SIGKILL' });
        expect(primaryLogged('api process listening')).toHaveLength(3);
      },
      { timeout: 10_000 },
    );
    for (let i = 0; i < 8; i++) expect((await send('GET', '/health')).status).toBe(200);
  });

  it('on SIGTERM stops every process and exits 0', async () => {
    const children = apiProcesses(api.pid);
    expect(children).toHaveLength(2);
    api.kill('SIGTERM');
    const exit = await api.exited;
    expect(exit.code).toBe(0);
    for (const pid of children) {
      expect(() => process.kill(pid, 0)).toThrow();
      // Each process's last line came through the supervisor before it exited.
      expect(api.logs().some((e) => e.pid === pid && e.msg === 'stopped')).toBe(true);
    }
    expect(api.strayOutput()).toBe('');
  });

  it('on Ctrl-C in a terminal finishes in-flight requests and exits 0', async () => {
    const primary = await system.startApi();
    await vi.waitFor(
      () => {
        const all = primary.logs().filter((e) => e.msg === 'all api processes listening');
        expect(all).toHaveLength(1);
      },
      { timeout: 10_000 },
    );
    const children = apiProcesses(primary.pid);
    expect(children).toHaveLength(2);
    const inFlight = send('GET', '/commands/never-sent?waitSeconds=2');
    await sleep(300);
    // The terminal sends SIGINT to the whole process group, so each API process gets it and
    // then the supervisor's SIGTERM too: that repeat must not cut its stop short.
    for (const pid of [...children, primary.pid]) process.kill(pid, 'SIGINT');

    expect(await inFlight).toMatchObject({ status: 200, text: expect.stringContaining('pending') });
    const exit = await primary.exited;
    expect(exit.code).toBe(0);
    for (const pid of children) {
      expect(primary.logs().some((e) => e.pid === pid && e.msg === 'stopped')).toBe(true);
    }
    expect(primary.strayOutput()).toBe('');
  });

  it('exits 1 instead of restarting processes that cannot start', async () => {
    await expect(
      system.startApi({ COMMAND_QUEUE: 'missing-queue.fifo', STARTUP_TIMEOUT_SECONDS: '1' }),
    ).rejects.toThrow(/did not get ready \(exit code 1\)/);
  });
});
