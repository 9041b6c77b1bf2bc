import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createApiMetrics } from '../../api/metrics.ts';
import { createWorkerMetrics, observePollers } from '../../worker/metrics.ts';
import {
  ALERT_RULES_FILE,
  ALERT_TESTS_FILE,
  PROMETHEUS_CONFIG_FILE,
  promtool,
} from '../harness/prometheus.ts';

const root = join(import.meta.dirname, '../..');
const operations = readFileSync(join(root, 'docs/operations.md'), 'utf8');

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (
  parse(readFileSync(ALERT_RULES_FILE, 'utf8')) as { groups: { rules: AlertRule[] }[] }
).groups.flatMap((group) => group.rules);

interface RuleTest {
  name: string;
  alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[];
}
const ruleTests = (parse(readFileSync(ALERT_TESTS_FILE, 'utf8')) as { tests: RuleTest[] }).tests;

/** Every metric our code registers, without prom-client's runtime defaults. */
async function ownMetricNames(): Promise<string[]> {
  const idle = async () => ({ visible: 0, inFlight: 0 });
  const apiMetrics = createApiMetrics({
    queues: { command: idle, 'dead-letter': idle },
    hasher: {
      stats: () => ({
        waiting: 0,
        capacity: 1,
        threads: 1,
        busy: 0,
        refused: { queueFull: 0, clientLimit: 0 },
      }),
    },
    waiters: { stats: () => ({ waiting: 0, capacity: 1 }) },
  });
  const workerMetrics = createWorkerMetrics();
  const pollers = new Registry();
  observePollers(pollers, () => ({ pollers: [] }));
  const registries = [apiMetrics.registry, workerMetrics.registry, pollers];
  const names = (await Promise.all(registries.map((r) => r.getMetricsAsJSON()))).flatMap(
    (metrics) => metrics.map((metric) => metric.name),
  );
  return names.filter((name) => !/^(process_|nodejs_)/.test(name));
}

describe('the Prometheus alert rules (ops/prometheus)', () => {
  it('pass promtool’s check, and so does the example configuration that loads them', () => {
    expect(promtool(['check', 'rules', ALERT_RULES_FILE])).toContain('SUCCESS: 5 rules found');
    expect(promtool(['check', 'config', PROMETHEUS_CONFIG_FILE])).toContain(
      'is valid prometheus config file syntax',
    );
  });

  it('pass their unit tests (promtool test rules alerts.test.yml)', () => {
    expect(promtool(['test', 'rules', ALERT_TESTS_FILE])).toContain('SUCCESS');
  });

  it.each(rules.map((rule) => [rule.alert, rule] as const))(
    '%s is tested firing and not firing, and links a runbook section that exists',
    (name, rule) => {
      const cases = ruleTests.flatMap((test) =>
        (test.alert_rule_test ?? []).filter((c) => c.alertname === name),
      );
      expect(cases.some((c) => c.exp_alerts.length > 0)).toBe(true);
      expect(cases.some((c) => c.exp_alerts.length === 0)).toBe(true);

      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      expect(rule.for).toMatch(/^\d+m$/);
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toBeTruthy();
      expect(rule.annotations?.runbook_url).toBe(`docs/operations.md#${name.toLowerCase()}`);
      expect(operations).toMatch(new RegExp(`^#### ${name}$`, 'm'));
    },
  );

  it('use only metrics the service exports, and docs/operations.md lists every one of those', async () => {
    const exported = await ownMetricNames();
    const documented = [...operations.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...exported].sort());

    // Histogram series (_bucket, _count, _sum) count as their histogram; `up` is Prometheus's.
    const used = new Set(
      rules.flatMap((rule) => [...rule.expr.matchAll(/\b([a-z_]+)\{/g)].map((m) => m[1] ?? '')),
    );
    used.delete('up');
    for (const name of used) {
      expect(exported, name).toContain(name.replace(/_(bucket|count|sum)$/, ''));
    }
  });
});
