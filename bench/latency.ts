import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { createTransaction, measureBcryptPerThread, receiveOne, sendCommand } from './baselines.ts';
import {
  commandRecords,
  createCommand,
  newResources,
  percentile,
  startBenchService,
} from './context.ts';
import type { Figure } from './report.ts';
import type { BenchInputs } from './throughput.ts';

const JSON_HEADERS = { 'content-type': 'application/json' };

async function timed(task: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await task();
  return performance.now() - started;
}

/**
 * E. POST a create, then wait on the command until applied, one at a time (low load), vs the
 * sum of its parts measured alone: one bcrypt hash plus one SendMessage, ReceiveMessage and
 * TransactWriteItems round trip.
 */
export async function measureLatency(inputs: BenchInputs): Promise<Figure> {
  const { scale, emulatorEnv, passwordHash, bcryptCost } = inputs;
  const resources = await newResources(emulatorEnv, 'e');
  const api = await startBenchService('api', resources.env);
  const worker = await startBenchService('worker', resources.env);
  const samples: number[] = [];
  for (let i = 0; i < scale.latencySamples; i++) {
    samples.push(
      await timed(async () => {
        const accepted = await fetch(`${api.url}/users`, {
          method: 'POST',
          headers: JSON_HEADERS,
          body: JSON.stringify({
            firstName: 'L',
            lastName: 'T',
            emailAddress: `e-${i}@bench.io`,
            password: 'correct horse battery',
          }),
        });
        const { commandId } = (await accepted.json()) as { commandId: string };
        const outcome = await fetch(`${api.url}/commands/${commandId}?waitSeconds=10`);
        const { status } = (await outcome.json()) as { status: string };
        if (status !== 'succeeded') throw new Error(`E: command ${commandId} ended ${status}`);
      }),
    );
  }
  await Promise.all([api.stop(), worker.stop()]);

  const parts = await newResources(emulatorEnv, 'e-parts');
  const tables = parts.config.resources.tables;
  const send: number[] = [];
  const receive: number[] = [];
  const write: number[] = [];
  for (let i = 0; i < scale.latencySamples; i++) {
    const command = createCommand(i, passwordHash, 'p');
    send.push(await timed(() => sendCommand(parts.sqs, parts.queueUrl, command)));
    receive.push(await timed(() => receiveOne(parts.sqs, parts.queueUrl)));
    write.push(await timed(() => createTransaction(parts.dynamoDb, tables, command)));
  }
  // Measured right after the samples: one thread's bcrypt rate drifts by up to 20% in minutes.
  const bcryptMs = 1000 / (await measureBcryptPerThread(bcryptCost, scale.ceilingSeconds));
  const baseline =
    bcryptMs + percentile(send, 50) + percentile(receive, 50) + percentile(write, 50);
  const p50 = percentile(samples, 50);
  return {
    id: 'E',
    name: 'latency POST → applied, p50 (low load)',
    value: p50,
    unit: 'ms',
    baselineName: 'bcrypt + SendMessage + ReceiveMessage + TransactWriteItems',
    baseline,
    ratio: p50 / baseline,
    ratioMeaning: 'measured ÷ sum of parts (lower is better)',
    target: '≤ 1.5',
    met: p50 / baseline <= 1.5,
    notes: `p99 ${percentile(samples, 99).toFixed(1)} ms over ${samples.length} commands; bcrypt ${bcryptMs.toFixed(1)} ms of the baseline`,
  };
}

/**
 * G. A burst of creates: time until all are accepted and until all are applied, then the
 * same burst against a tutorial-style endpoint that checks, hashes and writes in the request.
 */
export async function measureBurst({ scale, emulatorEnv }: BenchInputs): Promise<Figure> {
  const burst = (url: string, prefix: string) =>
    autocannon({
      url: `${url}/users`,
      amount: scale.burst,
      connections: Math.min(scale.burst, 50),
      // The tutorial-style endpoint hashes on its event loop: late answers are slow, not lost.
      timeout: 300,
      idReplacement: true,
      method: 'POST',
      headers: JSON_HEADERS,
      body: `{"firstName":"G","lastName":"B","emailAddress":"${prefix}-[<id>]@bench.io","password":"correct horse battery"}`,
    });

  const resources = await newResources(emulatorEnv, 'g');
  const api = await startBenchService('api', resources.env);
  const worker = await startBenchService('worker', resources.env);
  await Promise.all([api.reset(), worker.reset()]);
  const started = performance.now();
  const accepted = await burst(api.url, `g-${randomUUID().slice(0, 4)}`);
  const acceptedSeconds = (performance.now() - started) / 1000;
  while ((await commandRecords(resources)).length < scale.burst) await sleep(50);
  const appliedSeconds = (performance.now() - started) / 1000;
  const [apiProbe, workerProbe] = await Promise.all([api.probe(), worker.probe()]);
  await Promise.all([api.stop(), worker.stop()]);
  if (accepted['2xx'] !== scale.burst)
    throw new Error(`G: only ${accepted['2xx']} of ${scale.burst} accepted`);

  const tutorialResources = await newResources(emulatorEnv, 'g-tutorial');
  const tutorial = await startBenchService('tutorial', tutorialResources.env);
  const tutorialStarted = performance.now();
  const done = await burst(tutorial.url, 'gt');
  const tutorialSeconds = (performance.now() - tutorialStarted) / 1000;
  await tutorial.stop();
  if (done['2xx'] !== scale.burst)
    throw new Error(`G: tutorial endpoint answered ${done['2xx']} of ${scale.burst}`);

  return {
    id: 'G',
    name: `burst of ${scale.burst} creates: all accepted`,
    value: acceptedSeconds,
    unit: 's',
    baselineName: 'tutorial-style synchronous endpoint, same burst',
    baseline: tutorialSeconds,
    ratio: tutorialSeconds / acceptedSeconds,
    ratioMeaning: 'tutorial time ÷ our accept time (higher is better)',
    target: 'shown',
    met: null,
    apiPeakRssMb: apiProbe.peakRssMb,
    workerPeakRssMb: workerProbe.peakRssMb,
    notes: `all applied after ${appliedSeconds.toFixed(2)} s; tutorial applies as it answers`,
  };
}
