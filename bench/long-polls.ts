import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiProcess, Probe } from '../test/harness/processes.ts';
import { createTransaction } from './baselines.ts';
import { type Client, createClient, formatMs, freshAddresses } from './clients.ts';
import {
  createCommand,
  MANY_CLIENTS,
  newResources,
  percentile,
  startBenchService,
} from './context.ts';
import type { Figure } from './report.ts';
import { pairedRounds } from './rounds.ts';
import type { Scale } from './scales.ts';
import type { BenchInputs } from './throughput.ts';

interface ReadWindow {
  latencies: number[];
  seconds: number;
  probe: Probe;
}

/**
 * H. Reads of one user at a steady pace while many clients long-poll commands that never
 * settle, each waiting as long as the API allows and waiting again when answered, vs the
 * same reads with no waiter, in paired rounds. The waiters' first waits are spread over one
 * wait, so their re-issued waits (and the fresh 10 ms polls each starts with) arrive
 * steadily, as they would from independent clients, not all in one beat.
 */
export async function measureLongPolls(inputs: BenchInputs): Promise<Figure> {
  const { scale, emulatorEnv, passwordHash } = inputs;
  const resources = await newResources(emulatorEnv, 'h', MANY_CLIENTS);
  const user = createCommand(1, passwordHash, 'h');
  await createTransaction(resources.dynamoDb, resources.config.resources.tables, user);
  const path = `/users/${user.payload.emailAddress}`;
  const waitSeconds = resources.config.env.COMMAND_WAIT_MAX_SECONDS;
  const api = await startBenchService('api', resources.env);
  const rounds: { among: ReadWindow; alone: ReadWindow; waits: Map<string, number> }[] = [];
  const result = await pairedRounds(scale.waiterRounds, async () => {
    const spreadMs = waitSeconds * scale.waiterSpread * 1000;
    const waiters = await startWaiters(api.url, scale.waiters, waitSeconds, spreadMs);
    const among = await readWindow(api, path, scale);
    await waiters.stop();
    // The API lets go of a waiter whose client left at its next beat, within 250 ms.
    await sleep(1000);
    const alone = await readWindow(api, path, scale);
    rounds.push({ among, alone, waits: waiters.answers });
    return { value: percentile(among.latencies, 50), baseline: percentile(alone.latencies, 50) };
  });
  await api.stop();

  const measured = rounds.slice(-scale.waiterRounds.measured);
  const all = (side: 'among' | 'alone') => measured.map((round) => round[side]);
  const p99 = (side: 'among' | 'alone') =>
    percentile(
      all(side).flatMap((w) => w.latencies),
      99,
    ).toFixed(1);
  const seconds = (side: 'among' | 'alone') => all(side).reduce((sum, w) => sum + w.seconds, 0);
  const cpuPercent = (side: 'among' | 'alone') =>
    (all(side).reduce((sum, w) => sum + w.probe.cpuMs, 0) / (10 * seconds(side))).toFixed(0);
  const perSecond = (side: 'among' | 'alone', operation: string) =>
    (
      all(side).reduce((sum, w) => sum + (w.probe.awsCalls[operation] ?? 0), 0) / seconds(side)
    ).toFixed(1);
  const waits = countAll(measured.map((round) => round.waits));
  const perRound = measured
    .map(
      (r) =>
        `${formatMs(percentile(r.among.latencies, 50))}/${formatMs(percentile(r.alone.latencies, 50))}`,
    )
    .join(', ');
  return {
    id: 'H',
    name: `reads (p50) while ${scale.waiters} clients long-poll`,
    value: result.value,
    unit: 'ms',
    baselineName: 'the same reads, no waiters',
    baseline: result.baseline,
    ratio: result.ratio,
    ratioMeaning: 'among waiters ÷ alone, median of paired rounds (lower is better)',
    target: '≤ 1.5',
    met: result.ratio <= 1.5,
    apiPeakRssMb: Math.max(...measured.map((r) => r.among.probe.peakRssMb)),
    notes: [
      `p50 ms per round among/alone ${perRound}, after ${scale.waiterRounds.warmup} warm-up round(s); p99 ${p99('among')} vs ${p99('alone')} ms`,
      `API CPU ${cpuPercent('among')} % of a core among waiters vs ${cpuPercent('alone')} % alone`,
      `the waiters' reads: ${perSecond('among', 'BatchGetItem')} BatchGetItem/s (${perSecond('alone', 'BatchGetItem')} alone), beside ${perSecond('among', 'GetItem')} GetItem/s of the reads`,
      `waits answered ${[...waits].map(([status, n]) => `${status} ×${n}`).join(', ') || 'none'} (${waitSeconds} s each)`,
    ].join('; '),
  };
}

/**
 * `scale.readsPerSecond` reads of `path` for `scale.seconds`, from `scale.readers` clients
 * taking turns at a steady pace; the probe measures the API over the same window. Throws
 * if a read fails: a rate limit would be measuring itself.
 */
async function readWindow(api: ApiProcess, path: string, scale: Scale): Promise<ReadWindow> {
  const addresses = freshAddresses();
  const readers = Array.from({ length: scale.readers }, (_, i) =>
    createClient(api.url, addresses(i)),
  );
  // One untimed read each: the window starts with its connections open.
  await Promise.all(readers.map((reader) => reader.send('GET', path)));
  const interval = (1000 * scale.readers) / scale.readsPerSecond;
  const latencies: number[] = [];
  await api.reset();
  const started = performance.now();
  const end = started + scale.seconds * 1000;
  await Promise.all(
    readers.map(async (reader, i) => {
      // A late answer makes the next read go at once, so the pace holds.
      for (let at = started + (i * interval) / scale.readers; at < end; at += interval) {
        await sleep(Math.max(0, at - performance.now()));
        const answer = await reader.send('GET', path);
        if (answer.status !== 200) throw new Error(`H: a read answered ${answer.status}`);
        latencies.push(answer.ms);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const probe = await api.probe();
  for (const reader of readers) reader.close();
  return { latencies, seconds, probe };
}

/**
 * `count` clients, each waiting `waitSeconds` on a command nobody sent, and again when
 * answered; resolves once all have started, their first waits spread over `spreadMs`.
 */
async function startWaiters(url: string, count: number, waitSeconds: number, spreadMs: number) {
  const addresses = freshAddresses();
  const answers = new Map<string, number>();
  const clients: Client[] = [];
  let stopped = false;
  const loops = Array.from({ length: count }, async (_, i) => {
    await sleep((i * spreadMs) / count);
    const client = createClient(url, addresses(i));
    clients.push(client);
    const path = `/commands/${randomUUID()}?waitSeconds=${waitSeconds}`;
    while (!stopped) {
      const answer = await client.send('GET', path).catch(() => undefined);
      if (stopped) return;
      const status = answer ? String(answer.status) : 'error';
      answers.set(status, (answers.get(status) ?? 0) + 1);
      // Not a wait (a 429, a refused connection): back off as a polite client would.
      if (answer?.status !== 200) await sleep(1000);
    }
  });
  await sleep(spreadMs);
  return {
    /** Answers by status (200: the latest state, "pending", once the wait ran out). */
    answers,
    async stop() {
      stopped = true;
      for (const client of clients) client.close();
      await Promise.all(loops);
    },
  };
}

function countAll(maps: Map<string, number>[]): Map<string, number> {
  const sum = new Map<string, number>();
  for (const map of maps) for (const [key, n] of map) sum.set(key, (sum.get(key) ?? 0) + n);
  return sum;
}
