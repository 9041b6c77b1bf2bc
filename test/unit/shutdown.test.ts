import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const shared = join(import.meta.dirname, '../../shared');

/** A process that serves nothing, with stopOnSignals around a stop of STOP_MS that may fail. */
const SERVICE = `
import { createLogger } from '${pathToFileURL(join(shared, 'logger.ts'))}';
import { stopOnSignals } from '${pathToFileURL(join(shared, 'shutdown.ts'))}';
const log = createLogger({ name: 'shutdown-test', level: 'info', pretty: false });
stopOnSignals(log, Number(process.env.TIMEOUT_SECONDS), async () => {
  log.info('stop called');
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.STOP_MS)));
  if (process.env.STOP_FAILS) throw new Error('the stop failed');
});
setInterval(() => {}, 1000);
log.info('ready');
`;

interface Run {
  signal(name: NodeJS.Signals): void;
  /** Resolves once a line with this message has been written. */
  logged(msg: string): Promise<void>;
  exited: Promise<{
    code: number | null;
    ms: number;
    msgs: string[];
    lines: Record<string, unknown>[];
  }>;
}

function startService(env: { TIMEOUT_SECONDS: string; STOP_MS: string; STOP_FAILS?: string }): Run {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVICE], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiting: { msg: string; resolve: () => void }[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete.filter(Boolean)) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      for (const w of waiting) if (w.msg === entry.msg) w.resolve();
    }
  });
  let signalledAt = 0;
  return {
    signal: (name) => {
      signalledAt ||= performance.now();
      child.kill(name);
    },
    logged: (msg) =>
      lines.some((e) => e.msg === msg)
        ? Promise.resolve()
        : new Promise((resolve) => waiting.push({ msg, resolve })),
    exited: new Promise((resolve) =>
      child.once('close', (code) =>
        resolve({
          code,
          ms: performance.now() - signalledAt,
          msgs: lines.map((e) => String(e.msg)),
          lines,
        }),
      ),
    ),
  };
}

describe('stopOnSignals', () => {
  it('on SIGTERM stops once, logs the stop and its end, and exits 0', async () => {
    const service = startService({ TIMEOUT_SECONDS: '5', STOP_MS: '100' });
    await service.logged('ready');
    service.signal('SIGTERM');
    const { code, msgs, lines } = await service.exited;
    expect(code).toBe(0);
    expect(msgs).toEqual(['ready', 'stopping: finishing in-flight work', 'stop called', 'stopped']);
    expect(lines[1]).toMatchObject({ signal: 'SIGTERM', timeoutSeconds: 5 });
  });

  // A single Ctrl-C reaches a child twice: from the terminal (SIGINT to the whole process
  // group) and from its parent (`npm run dev`, the API supervisor), which sends SIGTERM.
  it('lets a second signal during the stop change nothing: the stop finishes and exits 0', async () => {
    const service = startService({ TIMEOUT_SECONDS: '5', STOP_MS: '500' });
    await service.logged('ready');
    service.signal('SIGINT');
    await service.logged('stop called');
    service.signal('SIGTERM');
    service.signal('SIGINT');
    const { code, msgs } = await service.exited;
    expect(code).toBe(0);
    expect(msgs).toEqual(['ready', 'stopping: finishing in-flight work', 'stop called', 'stopped']);
  });

  it('exits 1 when the stop fails', async () => {
    const service = startService({ TIMEOUT_SECONDS: '5', STOP_MS: '0', STOP_FAILS: '1' });
    await service.logged('ready');
    service.signal('SIGTERM');
    const { code, msgs, lines } = await service.exited;
    expect(code).toBe(1);
    expect(msgs).not.toContain('stopped');
    expect(lines.find((e) => e.msg === 'shutdown failed')).toMatchObject({
      err: { message: 'the stop failed' },
    });
  });

  it('exits 1 once the stop outlasts the timeout', async () => {
    const service = startService({ TIMEOUT_SECONDS: '0.5', STOP_MS: '60000' });
    await service.logged('ready');
    service.signal('SIGTERM');
    const { code, ms, msgs } = await service.exited;
    expect(code).toBe(1);
    expect(msgs).toContain('shutdown timed out; exiting');
    expect(msgs).not.toContain('stopped');
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(5_000);
  });
});
