import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { SCHEMA_VERSION } from '../shared/contract/commands.ts';
import type { Probe } from '../test/harness/processes.ts';
import {
  createTransaction,
  getItem,
  measureBcryptPerThread,
  runClosedLoop,
  runForDuration,
  sendCommand,
} from './baselines.ts';
import {
  commandRecords,
  createCommand,
  newResources,
  prefillQueue,
  startBenchService,
} from './context.ts';
import type { Figure } from './report.ts';
import { pairedRounds, type Rounds } from './rounds.ts';
import type { Scale } from './scales.ts';

const JSON_HEADERS = { 'content-type': 'application/json' };

export interface BenchInputs {
  scale: Scale;
  emulatorEnv: Record<string, string>;
  bcryptCost: number;
  cores: number;
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
export async function measureAcceptedCommands(inputs: BenchInputs): Promise<Figure> {
  const { scale, emulatorEnv } = inputs;
  const { value, apiPeakRssMb } = await acceptedCommandsPerSecond(inputs, 'a');
  const resources = await newResources(emulatorEnv, 'a-bare');
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
    apiPeakRssMb,
  };
}

/** A's measurement: updates and deletes through an API of its own, `env` added to its own. */
export async function acceptedCommandsPerSecond(
  { scale, emulatorEnv }: BenchInputs,
  prefix: string,
  env: Record<string, string> = {},
): Promise<{ value: number; apiPeakRssMb: number; cpuMsPerCommand: number }> {
  const resources = await newResources(emulatorEnv, prefix);
  const api = await startBenchService('api', { ...resources.env, ...env });
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
  return {
    value: okPerSecond(result, prefix.toUpperCase()),
    apiPeakRssMb: probe.peakRssMb,
    cpuMsPerCommand: probe.cpuMs / Math.max(1, result['2xx']),
  };
}

/**
 * B (and F). Creates through the API (bcrypt at the configured cost) vs the machine's bcrypt
 * ceiling, in paired rounds: each measures one thread's rate alone, then the API under
 * creates, so both see the machine in the same state.
 */
export async function measureCreates(inputs: BenchInputs): Promise<Figure[]> {
  const { scale, emulatorEnv, bcryptCost, cores } = inputs;
  const resources = await newResources(emulatorEnv, 'b');
  const api = await startBenchService('api', resources.env);
  const creates = (length: { duration: number } | { amount: number }) =>
    autocannon({
      url: `${api.url}/users`,
      connections: scale.createConcurrency,
      ...length,
      idReplacement: true,
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"firstName":"B","lastName":"C","emailAddress":"b-[<id>]@bench.io","password":"correct horse battery"}',
    });
  // A count, not a duration: a timed run would leave hashes running into the measured one.
  await creates({ amount: scale.createWarmupCount });
  const probes: Probe[] = [];
  const result = await pairedRounds(scale.createRounds, async () => {
    const ceiling = cores * (await measureBcryptPerThread(bcryptCost, scale.ceilingSeconds));
    await api.reset();
    const accepted = await creates({ duration: Math.max(scale.seconds, 2) });
    probes.push(await api.probe());
    // Requests still in flight when the run ends keep hashing: let them finish before the
    // next round measures its ceiling, or they would slow it down.
    await sleep(Math.max(500, ((2 * scale.createConcurrency) / ceiling) * 1000));
    return { value: okPerSecond(accepted, 'B'), baseline: ceiling };
  });
  await api.stop();
  const apiPeakRssMb = Math.max(...probes.map((p) => p.peakRssMb));
  const worst = probes.reduce((a, b) => (b.eventLoopDelayP99Ms > a.eventLoopDelayP99Ms ? b : a));
  return [
    {
      id: 'B',
      name: 'creates accepted via API (bcrypt)',
      value: result.value,
      unit: '/s',
      baselineName: 'cores × one thread’s bcrypt rate',
      baseline: result.baseline,
      ratio: result.ratio,
      ratioMeaning: 'API ÷ ceiling, median of paired rounds',
      target: '≥ 0.85',
      met: result.ratio >= 0.85,
      apiPeakRssMb,
      notes: roundsNote(scale.createRounds, result.ratios),
    },
    {
      id: 'F',
      name: 'API event-loop delay p99 during the create burst',
      value: worst.eventLoopDelayP99Ms,
      unit: 'ms',
      baselineName: 'absolute',
      baseline: null,
      ratio: null,
      ratioMeaning: '—',
      target: '< 20 ms',
      met: worst.eventLoopDelayP99Ms < 20,
      apiPeakRssMb,
      notes: `the worst round of B; max ${worst.eventLoopDelayMaxMs.toFixed(1)} ms`,
    },
  ];
}

/**
 * C. The worker draining a pre-filled queue of many users vs a bare loop of the same
 * TransactWriteItems at the worker's concurrency, in paired rounds (rounds.ts).
 */
export async function measureDrain(inputs: BenchInputs): Promise<Figure> {
  const { scale, emulatorEnv, passwordHash, workerConcurrency } = inputs;
  let workerPeakRssMb = 0;
  const result = await pairedRounds(scale.drainRounds, async (round) => {
    const drained = await drainPerSecond(inputs, `c${round}`);
    workerPeakRssMb = Math.max(workerPeakRssMb, drained.workerPeakRssMb);
    const bare = await newResources(emulatorEnv, `c${round}-bare`);
    const tables = bare.config.resources.tables;
    const baseline = await runClosedLoop(workerConcurrency, scale.drainCount, (i) =>
      createTransaction(bare.dynamoDb, tables, createCommand(i, passwordHash, `c${round}`)),
    );
    return { value: drained.value, baseline: baseline.perSecond };
  });
  return {
    id: 'C',
    name: `commands applied by the worker (${scale.drainCount} users)`,
    value: result.value,
    unit: '/s',
    baselineName: `the worker's own TransactWriteItems, sent in a bare loop, ${workerConcurrency} in flight`,
    baseline: result.baseline,
    ratio: result.ratio,
    ratioMeaning: 'worker ÷ baseline, median of paired rounds',
    target: '≥ 0.8',
    met: result.ratio >= 0.8,
    workerPeakRssMb,
    notes: roundsNote(scale.drainRounds, result.ratios),
  };
}

/** C's measurement: a worker of its own, `env` added to its own, draining a pre-filled queue. */
export async function drainPerSecond(
  { scale, emulatorEnv, passwordHash }: BenchInputs,
  prefix: string,
  env: Record<string, string> = {},
): Promise<{ value: number; workerPeakRssMb: number }> {
  const resources = await newResources(emulatorEnv, prefix);
  await prefillQueue(
    resources,
    Array.from({ length: scale.drainCount }, (_, i) => createCommand(i, passwordHash, prefix)),
  );
  const worker = await startBenchService('worker', { ...resources.env, ...env });
  await worker.reset();
  let records = await commandRecords(resources);
  while (records.length < scale.drainCount) {
    await sleep(250);
    records = await commandRecords(resources);
  }
  const { peakRssMb } = await worker.probe();
  await worker.stop();
  const times = records.map((r) => Date.parse(r.processedAt)).sort((a, b) => a - b);
  const spanSeconds = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
  return { value: (records.length - 1) / spanSeconds, workerPeakRssMb: peakRssMb };
}

/** D. Reads of one user through the API vs a bare GetItem loop, same concurrency, in paired rounds. */
export async function measureReads(inputs: BenchInputs): Promise<Figure> {
  const { scale, emulatorEnv, passwordHash } = inputs;
  const resources = await newResources(emulatorEnv, 'd');
  const usersTable = resources.config.resources.tables.users;
  const user = createCommand(1, passwordHash, 'd');
  await createTransaction(resources.dynamoDb, resources.config.resources.tables, user);
  const email = user.payload.emailAddress;
  const api = await startBenchService('api', resources.env);
  let apiPeakRssMb = 0;
  const result = await pairedRounds(scale.readRounds, async () => {
    await api.reset();
    const reads = await autocannon({
      url: `${api.url}/users/${email}`,
      connections: scale.concurrency,
      duration: scale.seconds,
    });
    apiPeakRssMb = Math.max(apiPeakRssMb, (await api.probe()).peakRssMb);
    const baseline = await runForDuration(scale.concurrency, scale.seconds, () =>
      getItem(resources.dynamoDb, usersTable, email),
    );
    return { value: okPerSecond(reads, 'D'), baseline };
  });
  await api.stop();
  return {
    id: 'D',
    name: 'reads, GET /users/{email}',
    value: result.value,
    unit: '/s',
    baselineName: 'bare GetItem loop',
    baseline: result.baseline,
    ratio: result.ratio,
    ratioMeaning: 'API ÷ baseline, median of paired rounds',
    target: '≥ 0.8',
    met: result.ratio >= 0.8,
    apiPeakRssMb,
    notes: roundsNote(scale.readRounds, result.ratios),
  };
}

export function roundsNote(rounds: Rounds, ratios: number[]): string {
  return `ratio per round ${ratios.map((r) => r.toFixed(2)).join(', ')}, after ${rounds.warmup} warm-up round(s)`;
}
