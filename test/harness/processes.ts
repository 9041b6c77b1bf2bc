import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY_POINTS = {
  api: 'api/main.ts',
  worker: 'worker/main.ts',
  /** The worker after an upgrade that reads schema version 2 too. */
  'worker-v2': 'test/faults/support/worker-v2.ts',
  /** The tutorial's design, the bench's baseline for creates. */
  tutorial: 'bench/tutorial-server.ts',
} as const;
export type ServiceKind = keyof typeof ENTRY_POINTS;

export type LogEntry = Record<string, unknown>;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process ended, to measure shutdown time. */
  at: number;
}

/** What bench/probe.ts measured in a window (event-loop delay, peak RSS, CPU, AWS calls). */
export interface Probe {
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  peakRssMb: number;
  /** CPU time of the window, every thread of every process of the service. */
  cpuMs: number;
  /** AWS calls the service made in the window, by operation (`GetItem`, `BatchGetItem`). */
  awsCalls: Record<string, number>;
}

export interface ServiceOptions {
  name?: string;
  /** Loads bench/probe.ts, and reset()/probe() talk to it. */
  probe?: boolean;
  /**
   * Writes the output to this file rather than holding it in memory: a load generator must
   * not spend its time parsing the log lines of what it measures.
   */
  logFile?: string;
  nodeOptions?: string[];
  /** Every complete output line, as it arrives (not with `logFile`). */
  onLines?: (lines: string[]) => void;
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
  /** SIGTERM and wait; SIGKILL if it has not gone after 20 s. */
  stop(): Promise<Exit>;
  /** Starts a measurement window (with `probe`). */
  reset(): Promise<void>;
  probe(): Promise<Probe>;
}

/** A service that answers HTTP: its URL is known once it is ready. */
export type ApiProcess = ServiceProcess & { readonly url: string };

/**
 * Runs a real entry point (`node api/main.ts`, `node worker/main.ts`) as a child process
 * with exactly the given environment, and resolves once it is serving: the API when every
 * process of it listens, the worker when it polls. process.execPath is the Node 24 running
 * the tests or the bench.
 */
export async function startService(
  kind: 'api' | 'tutorial',
  env: Record<string, string>,
  options?: ServiceOptions,
): Promise<ApiProcess>;
export async function startService(
  kind: ServiceKind,
  env: Record<string, string>,
  options?: ServiceOptions,
): Promise<ServiceProcess>;
export async function startService(
  kind: ServiceKind,
  env: Record<string, string>,
  options: ServiceOptions = {},
): Promise<ServiceProcess> {
  const name = options.name ?? kind;
  const args = [
    ...(options.nodeOptions ?? []),
    ...(options.probe ? ['--import', './bench/probe.ts'] : []),
    ENTRY_POINTS[kind],
  ];
  const output = options.logFile ? openSync(options.logFile, 'w') : 'pipe';
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, LOG_PRETTY: 'false' },
    stdio: ['ignore', output, output, ...(options.probe ? ['ipc' as const] : [])],
  });
  const captured = options.logFile
    ? outputInFile(options.logFile)
    : outputInMemory(child, options.onLines);
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  const url = await readiness(kind, env, child, captured, name);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };
  return {
    name,
    pid: child.pid ?? 0,
    url,
    logs: captured.logs,
    strayOutput: captured.stray,
    isRunning: () => child.exitCode === null && child.signalCode === null,
    kill: (signal) => child.kill(signal),
    exited,
    stop,
    reset: () => ask(child, 'reset').then(() => undefined),
    probe: () => ask(child, 'read') as Promise<Probe>,
  };
}

/** Stops a service if there is one and it runs: for cleanup after a test. */
export async function stopService(service: ServiceProcess | undefined): Promise<void> {
  if (service?.isRunning()) await service.stop();
}

interface Output {
  logs(): LogEntry[];
  stray(): string;
}

function outputInMemory(child: ChildProcess, onLines?: (lines: string[]) => void): Output {
  const entries: LogEntry[] = [];
  let stray = '';
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      const complete = lines.filter((line) => line.trim());
      for (const line of complete) {
        const entry = parseLine(line);
        if (entry) entries.push(entry);
        else stray += `${line}\n`;
      }
      onLines?.(complete);
    });
  }
  return { logs: () => entries, stray: () => stray };
}

function outputInFile(file: string): Output {
  const lines = () =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim());
  return {
    logs: () =>
      lines().flatMap((line): LogEntry[] => {
        const entry = parseLine(line);
        return entry ? [entry] : [];
      }),
    stray: () =>
      lines()
        .filter((line) => !parseLine(line))
        .join('\n'),
  };
}

function parseLine(line: string): LogEntry | undefined {
  try {
    const entry: unknown = JSON.parse(line);
    return entry && typeof entry === 'object' ? (entry as LogEntry) : undefined;
  } catch {
    return undefined;
  }
}

const LISTENING = /^Server listening at (http:\/\/\S+)/;

/** The API's URL once it serves (several processes: once all of them listen). */
async function readiness(
  kind: ServiceKind,
  env: Record<string, string>,
  child: ChildProcess,
  output: Output,
  name: string,
): Promise<string | undefined> {
  const ready =
    kind === 'worker' || kind === 'worker-v2'
      ? /^worker polling$/
      : kind === 'api' && Number(env.API_PROCESSES ?? 1) > 1
        ? /^all api processes listening$/
        : LISTENING;
  const deadline = performance.now() + 30_000;
  for (;;) {
    const messages = output.logs().map((entry) => String(entry.msg));
    if (messages.some((msg) => ready.test(msg))) {
      const url = LISTENING.exec(messages.find((msg) => LISTENING.test(msg)) ?? '')?.[1];
      if (!url && (kind === 'api' || kind === 'tutorial'))
        throw new Error(`${name} is ready but never said where it listens`);
      return url;
    }
    if (child.exitCode !== null || performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `${name} did not get ready (exit code ${child.exitCode}):\n${output.stray().slice(-2000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function ask(child: ChildProcess, message: 'reset' | 'read'): Promise<unknown> {
  if (!child.send) return Promise.reject(new Error('started without { probe: true }'));
  return new Promise((resolve) => {
    const onMessage = (reply: { type: string }) => {
      if (reply.type === (message === 'reset' ? 'reset' : 'probe')) {
        child.off('message', onMessage);
        resolve(reply);
      }
    };
    child.on('message', onMessage);
    child.send?.(message);
  });
}
