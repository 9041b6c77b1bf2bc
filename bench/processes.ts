import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Probe {
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  peakRssMb: number;
  /** CPU time of the window, every thread of every process of the service. */
  cpuMs: number;
  /** AWS calls the service made in the window, by operation (`GetItem`, `BatchGetItem`). */
  awsCalls: Record<string, number>;
}

export interface Service {
  child: ChildProcess;
  url: string;
  /** Starts a measurement window (event-loop delay, peak RSS). */
  reset(): Promise<void>;
  probe(): Promise<Probe>;
  stop(): Promise<number | null>;
}

const ENTRY_POINTS = {
  api: 'api/main.ts',
  worker: 'worker/main.ts',
  tutorial: 'bench/tutorial-server.ts',
} as const;

/** Starts the emulators in their own process and returns the env that points at them. */
export async function startEmulatorProcess(): Promise<{
  env: Record<string, string>;
  stop(): Promise<void>;
}> {
  const child = spawn(process.execPath, ['bench/emulators-process.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return { env: JSON.parse(line), stop: async () => void (await stopChild(child)) };
}

/**
 * Runs the API, the worker or the tutorial-style server as a real process with the probe
 * loaded, logs to a temp file (as a deployment would ship them), and waits until it is ready.
 */
export async function startService(
  kind: keyof typeof ENTRY_POINTS,
  env: Record<string, string>,
): Promise<Service> {
  const logFile = join(tmpdir(), `bench-${kind}-${process.pid}-${Date.now()}.log`);
  const out = openSync(logFile, 'w');
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, '--import', './bench/probe.ts', ENTRY_POINTS[kind]],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', out, out, 'ipc'],
    },
  );
  const url = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${kind} exited: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`${kind} not ready in 30 s; log: ${logFile}`);
    if (await isReady(kind, url, logFile, Number(env.API_PROCESSES ?? 1))) break;
    await sleep(100);
  }
  return {
    child,
    url,
    reset: () => ask(child, 'reset').then(() => undefined),
    probe: () => ask(child, 'read') as Promise<Probe>,
    stop: () => stopChild(child),
  };
}

async function isReady(
  kind: keyof typeof ENTRY_POINTS,
  url: string,
  logFile: string,
  apiProcesses: number,
): Promise<boolean> {
  if (kind === 'worker') return readFileSync(logFile, 'utf8').includes('"msg":"worker polling"');
  // /health answers as soon as one API process listens; the load must find all of them.
  if (kind === 'api' && apiProcesses > 1)
    return readFileSync(logFile, 'utf8').includes('"msg":"all api processes listening"');
  try {
    return (await fetch(`${url}/health`)).ok;
  } catch {
    return false;
  }
}

function ask(child: ChildProcess, message: 'reset' | 'read'): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (reply: { type: string }) => {
      if (reply.type === (message === 'reset' ? 'reset' : 'probe')) {
        child.off('message', onMessage);
        resolve(reply);
      }
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}
