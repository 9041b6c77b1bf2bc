import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { SCHEMA_VERSION } from '../shared/contract/commands.ts';
import {
  createTransaction,
  getItem,
  runClosedLoop,
  runForDuration,
  sendCommand,
} from './baselines.ts';
import {
  commandRecords,
  createCommand,
  newResources,
  prefillQueue,
  type Scale,
} from './context.ts';
import { startService } from './processes.ts';
import type { Figure } from './report.ts';

const JSON_HEADERS = { 'content-type': 'application/json' };

export interface BenchInputs {
  scale: Scale;
  emulatorEnv: Record<string, string>;
  bcryptCeilingPerSecond: number;
  passwordHash: string;
  workerConcurrency: number;
}

/** Requests per second that got a 2xx; throws if any request failed. */
function okPerSecond(result: autocannon.Result, label: string): number {
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0)
    throw new Error(
      `${label}: ${failed} requests failed (non-2xx ${result.non2xx}, errors ${result.errors})`,
    );
  return result['2xx'] / result.duration;
}

/** A. Commands without a password through the API vs a bare SendMessage loop, same concurrency. */
export async function measureAcceptedCommands({
  scale,
  emulatorEnv,
}: BenchInputs): Promise<Figure> {
  const resources = await newResources(emulatorEnv, 'a');
  const api = await startService('api', resources.env);
  await api.reset();
  const result = await autocannon({
    url: api.url,
    connections: scale.concurrency,
    duration: scale.seconds,
    idReplacement: true,
    requests: [
      {
        method: 'PATCH',
        path: '/users/a-[<id>]@bench.io',
        headers: JSON_HEADERS,
        body: '{"firstName":"Bench"}',
      },
      { method: 'DELETE', path: '/users/d-[<id>]@bench.io' },
    ],
  });
  const probe = await api.probe();
  await api.stop();
  const value = okPerSecond(result, 'A');
  const baseline = await runForDuration(scale.concurrency, scale.seconds, () =>
    sendCommand(resources.sqs, resources.queueUrl, {
      schemaVersion: SCHEMA_VERSION,
      commandId: randomUUID(),
      type: 'user.update',
      issuedAt: new Date().toISOString(),
      payload: { emailAddress: `b-${randomUUID()}@bench.io`, firstName: 'Bench' },
    }),
  );
  return {
    id: 'A',
    name: 'commands accepted (update, delete) via API',
    value,
    unit: '/s',
    baselineName: 'bare SendMessage loop',
    baseline,
    ratio: value / baseline,
    ratioMeaning: 'API ÷ baseline',
    target: '≥ 1.5',
    met: value / baseline >= 1.5,
    apiPeakRssMb: probe.peakRssMb,
  };
}

/** B (and F). Creates through the API (bcrypt at the configured cost) vs the machine's bcrypt ceiling. */
export async function measureCreates(inputs: BenchInputs): Promise<Figure[]> {
  const { scale, emulatorEnv, bcryptCeilingPerSecond } = inputs;
  const resources = await newResources(emulatorEnv, 'b');
  const api = await startService('api', resources.env);
  await api.reset();
  const result = await autocannon({
    url: `${api.url}/users`,
    connections: scale.createConcurrency,
    duration: Math.max(scale.seconds, 2),
    idReplacement: true,
    method: 'POST',
    headers: JSON_HEADERS,
    body: '{"firstName":"B","lastName":"C","emailAddress":"b-[<id>]@bench.io","password":"correct horse battery"}',
  });
  const probe = await api.probe();
  await api.stop();
  const value = okPerSecond(result, 'B');
  return [
    {
      id: 'B',
      name: 'creates accepted via API (bcrypt)',
      value,
      unit: '/s',
      baselineName: 'cores × one thread’s bcrypt rate',
      baseline: bcryptCeilingPerSecond,
      ratio: value / bcryptCeilingPerSecond,
      ratioMeaning: 'API ÷ ceiling',
      target: '≥ 0.85',
      met: value / bcryptCeilingPerSecond >= 0.85,
      apiPeakRssMb: probe.peakRssMb,
    },
    {
      id: 'F',
      name: 'API event-loop delay p99 during the create burst',
      value: probe.eventLoopDelayP99Ms,
      unit: 'ms',
      baselineName: 'absolute',
      baseline: null,
      ratio: null,
      ratioMeaning: '—',
      target: '< 20 ms',
      met: probe.eventLoopDelayP99Ms < 20,
      apiPeakRssMb: probe.peakRssMb,
      notes: `max ${probe.eventLoopDelayMaxMs.toFixed(1)} ms`,
    },
  ];
}

/**
 * C. The worker draining a pre-filled queue of many users vs a bare loop of the same
 * TransactWriteItems at the worker's concurrency. D. Reads through the API vs GetItem.
 */
export async function measureDrainAndReads(inputs: BenchInputs): Promise<Figure[]> {
  const { scale, emulatorEnv, passwordHash, workerConcurrency } = inputs;
  const resources = await newResources(emulatorEnv, 'c');
  await prefillQueue(
    resources,
    Array.from({ length: scale.drainCount }, (_, i) => createCommand(i, passwordHash, 'c')),
  );
  const worker = await startService('worker', resources.env);
  await worker.reset();
  let records = await commandRecords(resources);
  while (records.length < scale.drainCount) {
    await sleep(250);
    records = await commandRecords(resources);
  }
  const workerProbe = await worker.probe();
  await worker.stop();
  const times = records.map((r) => Date.parse(r.processedAt)).sort((a, b) => a - b);
  const spanSeconds = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
  const applied = (records.length - 1) / spanSeconds;

  const bare = await newResources(emulatorEnv, 'c-bare');
  const tables = bare.config.resources.tables;
  const baseline = await runClosedLoop(workerConcurrency, scale.drainCount, (i) =>
    createTransaction(bare.dynamoDb, tables, createCommand(i, passwordHash, 'c')),
  );

  const api = await startService('api', resources.env);
  await api.reset();
  const reads = await autocannon({
    url: `${api.url}/users/c-1@bench.io`,
    connections: scale.concurrency,
    duration: scale.seconds,
  });
  const apiProbe = await api.probe();
  await api.stop();
  const readsPerSecond = okPerSecond(reads, 'D');
  const usersTable = resources.config.resources.tables.users;
  const getItems = await runForDuration(scale.concurrency, scale.seconds, () =>
    getItem(resources.dynamoDb, usersTable, 'c-1@bench.io'),
  );
  return [
    {
      id: 'C',
      name: `commands applied by the worker (${scale.drainCount} users)`,
      value: applied,
      unit: '/s',
      baselineName: `bare TransactWriteItems loop, ${workerConcurrency} in flight`,
      baseline: baseline.perSecond,
      ratio: applied / baseline.perSecond,
      ratioMeaning: 'worker ÷ baseline',
      target: '≥ 0.8',
      met: applied / baseline.perSecond >= 0.8,
      workerPeakRssMb: workerProbe.peakRssMb,
    },
    {
      id: 'D',
      name: 'reads, GET /users/{email}',
      value: readsPerSecond,
      unit: '/s',
      baselineName: 'bare GetItem loop',
      baseline: getItems,
      ratio: readsPerSecond / getItems,
      ratioMeaning: 'API ÷ baseline',
      target: '≥ 0.8',
      met: readsPerSecond / getItems >= 0.8,
      apiPeakRssMb: apiProbe.peakRssMb,
    },
  ];
}
