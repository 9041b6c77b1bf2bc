import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { recordSuiteLogLines } from '../../support/secrecy.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY_POINTS = {
  api: 'api/main.ts',
  worker: 'worker/main.ts',
  /** The worker after an upgrade that reads schema version 2 too. */
  'worker-v2': 'test/faults/support/worker-v2.ts',
} as const;

export type LogEntry = Record<string, unknown>;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process ended, to measure shutdown time. */
  at: number;
}

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** The API's base URL (from its "Server listening" line); undefined for a worker. */
  readonly url: string | undefined;
  /** Every JSON log line the process has written so far. */
  logs(): LogEntry[];
  /** Output that was not a JSON log line (a crash trace would land here). */
  strayOutput(): string;
  isRunning(): boolean;
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<Exit>;
}

/**
 * Runs the real entry point (`node api/main.ts`, `node worker/main.ts`) as a child process
 * with exactly the given environment, and resolves once it is serving: the API when it
 * listens, the worker when it polls. process.execPath is the Node 24 running the tests.
 */
export async function startService(
  kind: keyof typeof ENTRY_POINTS,
  env: Record<string, string>,
  name: string = kind,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [ENTRY_POINTS[kind]], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, LOG_PRETTY: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entries: LogEntry[] = [];
  let stray = '';
  collectLines(child, (line) => {
    try {
      entries.push(JSON.parse(line) as LogEntry);
    } catch {
      stray += `${line}\n`;
    }
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  const ready = kind === 'api' ? /^Server listening at (http:\/\/\S+)/ : /^worker polling$/;
  const deadline = performance.now() + 30_000;
  const url = await new Promise<string | undefined>((resolve, reject) => {
    const timer = setInterval(() => {
      const line = entries.find((entry) => ready.test(String(entry.msg)));
      if (line) {
        clearInterval(timer);
        resolve(ready.exec(String(line.msg))?.[1]);
      } else if (child.exitCode !== null || performance.now() > deadline) {
        clearInterval(timer);
        child.kill('SIGKILL');
        reject(new Error(`${name} did not get ready (exit code ${child.exitCode}):\n${stray}`));
      }
    }, 20);
  });
  return {
    name,
    pid: child.pid ?? 0,
    url,
    logs: () => entries,
    strayOutput: () => stray,
    isRunning: () => child.exitCode === null && child.signalCode === null,
    kill: (signal) => child.kill(signal),
    exited,
  };
}

/** SIGTERM and wait, then SIGKILL if it does not go: for cleanup after a test. */
export async function stopService(service: ServiceProcess | undefined): Promise<void> {
  if (!service?.isRunning()) return;
  service.kill('SIGTERM');
  const timer = setTimeout(() => service.kill('SIGKILL'), 20_000);
  await service.exited;
  clearTimeout(timer);
}

function collectLines(child: ChildProcess, onLine: (line: string) => void) {
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line);
      // Every line also goes to the suite-wide secrecy check (test/global-setup.ts).
      recordSuiteLogLines(lines.filter((line) => line.trim()));
    });
  }
}
