import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { type Deployment, deploy, PROCESS_TEST_SETTINGS } from '../harness/deployment.ts';
import { uniqueEmail } from '../harness/environment.ts';
import {
  type ApiProcess,
  type ServiceProcess,
  startService,
  stopService,
} from '../harness/processes.ts';
import {
  alertRulesHolding,
  freePort,
  type Prometheus,
  type PrometheusAlert,
  startPrometheus,
} from '../harness/prometheus.ts';
import { recordSuiteLogLines } from '../support/secrecy.ts';

/**
 * A real Prometheus scraping the real API and worker processes, evaluating the real alert
 * rules (ops/prometheus/alerts.yml, expressions and thresholds unchanged). Only each rule's
 * `for:` is shortened to 3 s: at its real 2 minutes the test would wait that long, and
 * alerts.test.yml checks the real durations with promtool. Scrapes and evaluations every second.
 */
const ALERT = 'UserCommandWorkerNotPolling';
const COMMANDS = 5;

let deployment: Deployment;
let api: ApiProcess;
let worker: ServiceProcess | undefined;
let prometheus: Prometheus;
let workerEnv: Record<string, string>;

beforeAll(async () => {
  deployment = await deploy(
    {
      ...inject('emulatorEnv'),
      ...PROCESS_TEST_SETTINGS,
    },
    { label: 'prometheus' },
  );
  // The same port after the restart: Prometheus keeps scraping one target.
  workerEnv = { ...deployment.env, WORKER_HTTP_PORT: String(await freePort()) };
  api = await startService('api', deployment.env, { onLines: recordSuiteLogLines });
  worker = await startWorker();
  prometheus = await startPrometheus({
    interval: '1s',
    rules: alertRulesHolding('3s'),
    jobs: {
      'user-service-api': [new URL(api.url).host],
      'user-service-worker': [`127.0.0.1:${workerEnv.WORKER_HTTP_PORT}`],
    },
  });
});

afterAll(async () => {
  await prometheus?.stop();
  await stopService(worker);
  await stopService(api);
  deployment?.destroy();
});

function startWorker(): Promise<ServiceProcess> {
  return startService('worker', workerEnv, { onLines: recordSuiteLogLines });
}

async function firing(): Promise<PrometheusAlert[]> {
  return (await prometheus.alerts()).filter((alert) => alert.state === 'firing');
}

/** The command queue's waiting messages, as Prometheus scraped them from the API. */
async function backlog(): Promise<number | undefined> {
  const [sample] = await prometheus.query(
    'user_command_queue_messages{job="user-service-api",queue="command",state="visible"}',
  );
  return sample?.value;
}

describe('the alert rules on a real Prometheus', () => {
  it('fire when the worker stops while commands wait, and resolve once a worker takes them', async () => {
    const wait = { timeout: 30_000, interval: 250 };
    // Healthy: both targets up, and four evaluations later (past every `for:`) nothing is
    // pending or firing.
    await vi.waitFor(async () => {
      const targets = await prometheus.targets();
      expect(targets.map((t) => `${t.job} ${t.health}`).sort()).toEqual([
        'user-service-api up',
        'user-service-worker up',
      ]);
      expect(await backlog()).toBe(0);
    }, wait);
    const healthySince = Date.now();
    await vi.waitFor(async () => {
      expect(await prometheus.lastRuleEvaluation()).toBeGreaterThan(healthySince + 4_000);
    }, wait);
    expect(await prometheus.alerts(), prometheus.log()).toEqual([]);

    await worker?.stop();
    const commandIds: string[] = [];
    for (let i = 0; i < COMMANDS; i++) {
      const response = await fetch(`${api.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          firstName: 'P',
          lastName: 'Q',
          emailAddress: uniqueEmail('alert'),
          password: 'password-1',
        }),
      });
      expect(response.status).toBe(202);
      commandIds.push(((await response.json()) as { commandId: string }).commandId);
    }

    // Prometheus sees the commands wait, and the worker gone long enough to fire.
    const fired = await vi.waitFor(async () => {
      expect(await backlog()).toBe(COMMANDS);
      const alerts = await firing();
      expect(alerts.map((a) => a.labels.alertname)).toEqual([ALERT]);
      return alerts[0];
    }, wait);
    expect(fired?.labels).toMatchObject({
      job: 'user-service-worker',
      instance: `127.0.0.1:${workerEnv.WORKER_HTTP_PORT}`,
      severity: 'critical',
    });
    expect(fired?.annotations.runbook_url).toBe('docs/operations.md#usercommandworkernotpolling');

    // A new worker takes the commands; the backlog drains and the alert resolves.
    worker = await startWorker();
    await vi.waitFor(async () => {
      expect(await backlog()).toBe(0);
      expect(await prometheus.alerts()).toEqual([]);
    }, wait);
    for (const commandId of commandIds) {
      expect((await deployment.getCommandRecord(commandId))?.status).toBe('succeeded');
    }
  }, 90_000);
});
