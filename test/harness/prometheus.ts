import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');
export const ALERT_RULES_FILE = join(ROOT, 'ops/prometheus/alerts.yml');
export const ALERT_TESTS_FILE = join(ROOT, 'ops/prometheus/alerts.test.yml');
export const PROMETHEUS_CONFIG_FILE = join(ROOT, 'ops/prometheus/prometheus.yml');

const MISSING =
  'is not installed: the alert tests need Debian’s `prometheus` package (apt-get install prometheus; .ci/run installs it)';

/** Runs Debian's promtool; throws with its output when it fails (or is missing). */
export function promtool(args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new Error(`promtool ${MISSING}`);
    throw new Error(
      `promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
    );
  }
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; for?: string; [key: string]: unknown }[] }[];
}

/**
 * The real alert rules with every `for:` set to `holdFor`: the expressions and thresholds are
 * those of ops/prometheus/alerts.yml, and only the minutes a condition must hold before it
 * fires (which alerts.test.yml checks at their real values) shrink to what a test can wait.
 */
export function alertRulesHolding(holdFor: string): string {
  const rules = parse(readFileSync(ALERT_RULES_FILE, 'utf8')) as RuleFile;
  for (const group of rules.groups) {
    for (const rule of group.rules) if (rule.for !== undefined) rule.for = holdFor;
  }
  return stringify(rules);
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  value: string;
}

export interface Prometheus {
  url: string;
  /** Active alerts (pending or firing), from /api/v1/alerts. */
  alerts(): Promise<PrometheusAlert[]>;
  /** An instant query's samples, from /api/v1/query. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** When the rules were last evaluated (ms since the epoch, the oldest of the groups). */
  lastRuleEvaluation(): Promise<number>;
  /** Scrape targets and their health, from /api/v1/targets. */
  targets(): Promise<{ job: string; health: string }[]>;
  /** Prometheus's own log, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** Scrape targets (host:port) by job name. */
  jobs: Record<string, string[]>;
  /** The text of one rule file. */
  rules: string;
  /** Scrape and rule evaluation interval. */
  interval: string;
}

/**
 * A real `prometheus` (Debian's package) in a temporary folder, on a free port, scraping the
 * given targets and evaluating the given rules; ready once /-/ready answers.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const config = {
    global: {
      scrape_interval: options.interval,
      scrape_timeout: options.interval,
      evaluation_interval: options.interval,
    },
    rule_files: ['rules.yml'],
    scrape_configs: Object.entries(options.jobs).map(([job, targets]) => ({
      job_name: job,
      static_configs: [{ targets }],
    })),
  };
  writeFileSync(join(dir, 'rules.yml'), options.rules);
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(dir, 'prometheus.log');
  const output = openSync(logFile, 'w');
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', output, output] },
  );
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
  });
  let spawnError: (Error & { code?: string }) | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const log = () => readFileSync(logFile, 'utf8');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  };

  const deadline = performance.now() + 30_000;
  for (;;) {
    if (spawnError) {
      rmSync(dir, { recursive: true, force: true });
      throw spawnError.code === 'ENOENT' ? new Error(`prometheus ${MISSING}`) : spawnError;
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || performance.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(`prometheus did not get ready:\n${text.slice(-2000)}`);
    }
    await sleep(100);
  }

  return {
    url,
    alerts: async () => (await api<{ alerts: PrometheusAlert[] }>('/api/v1/alerts')).alerts,
    async query(promql) {
      const data = await api<{
        result: { metric: Record<string, string>; value: [number, string] }[];
      }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      return data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
    },
    async lastRuleEvaluation() {
      const data = await api<{ groups: { lastEvaluation: string }[] }>('/api/v1/rules');
      return Math.min(...data.groups.map((group) => Date.parse(group.lastEvaluation)));
    },
    async targets() {
      const data = await api<{ activeTargets: { labels: { job: string }; health: string }[] }>(
        '/api/v1/targets',
      );
      return data.activeTargets.map((target) => ({
        job: target.labels.job,
        health: target.health,
      }));
    },
    log,
    stop,
  };
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
