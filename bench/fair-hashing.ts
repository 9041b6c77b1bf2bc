import { randomUUID } from 'node:crypto';
import { type Answer, type Client, createClient, formatMs, freshAddresses } from './clients.ts';
import { MANY_CLIENTS, newResources, percentile, startBenchService } from './context.ts';
import type { Figure } from './report.ts';
import type { BenchInputs } from './throughput.ts';

/**
 * I. One client sends a burst of creates at once (within its rate limit; the hashing
 * queue's per-client and overall bounds at their defaults); once half of the burst has been
 * answered (the refused half comes back first, the accepted half is still hashing) a
 * second client sends one create, timed until it is answered (202, or 429/503 with
 * Retry-After). After the burst is answered, a third client's create alone is the baseline.
 * p50 over rounds, after warm-up rounds that let the hash threads compile bcrypt.
 */
export async function measureFairHashing({ scale, emulatorEnv }: BenchInputs): Promise<Figure> {
  const resources = await newResources(emulatorEnv, 'i', MANY_CLIENTS);
  const api = await startBenchService('api', resources.env);
  const create = (client: Client) =>
    client.send('POST', '/users', {
      firstName: 'I',
      lastName: 'F',
      emailAddress: `i-${randomUUID()}@bench.io`,
      password: 'correct horse battery',
    });
  const createOnce = async (address: string) => {
    const client = createClient(api.url, address);
    const answer = await create(client);
    client.close();
    return answer;
  };
  const rounds: { burst: Answer[]; single: Answer; alone: Answer }[] = [];
  const { warmup, measured } = scale.fairRounds;
  for (let round = 0; round < warmup + measured; round++) {
    if (round === warmup) await api.reset();
    const addresses = freshAddresses();
    const greedy = createClient(api.url, addresses(0), scale.fairBurst);
    const half = Promise.withResolvers<void>();
    let answered = 0;
    const burst = Promise.all(
      Array.from({ length: scale.fairBurst }, async () => {
        const answer = await create(greedy);
        if (++answered >= scale.fairBurst / 2) half.resolve();
        return answer;
      }),
    );
    await Promise.race([half.promise, burst]);
    const single = await createOnce(addresses(1));
    const answers = await burst;
    greedy.close();
    const alone = await createOnce(addresses(2));
    rounds.push({ burst: answers, single, alone });
  }
  const probe = await api.probe();
  await api.stop();

  const kept = rounds.slice(warmup);
  for (const answer of kept.flatMap((r) => [r.single, r.alone, ...r.burst])) {
    if (![202, 429, 503].includes(answer.status))
      throw new Error(`I: a create answered ${answer.status} ${answer.code ?? ''}`);
  }
  const refused = kept
    .flatMap((r) => [r.single, r.alone, ...r.burst])
    .filter((a) => a.status > 202);
  const withoutRetryAfter = refused.filter((a) => a.retryAfter === undefined).length;
  const codes = [...new Set(refused.map((a) => `${a.status} ${a.code}`))].join(', ');
  const value = percentile(
    kept.map((r) => r.single.ms),
    50,
  );
  const baseline = percentile(
    kept.map((r) => r.alone.ms),
    50,
  );
  const statuses = (answers: Answer[]) =>
    [202, 429, 503].map((s) => answers.filter((a) => a.status === s).length).join('/');
  return {
    id: 'I',
    name: `a create during another client’s burst of ${scale.fairBurst}, p50`,
    value,
    unit: 'ms',
    baselineName: 'the same create, no burst',
    baseline,
    ratio: null,
    ratioMeaning: '— (absolute)',
    target: '≤ 2000 ms',
    met: value <= 2000,
    apiPeakRssMb: probe.peakRssMb,
    notes: [
      `ms per round during/alone ${kept.map((r) => `${formatMs(r.single.ms)}/${formatMs(r.alone.ms)}`).join(', ')} (answered ${kept.map((r) => r.single.status).join(', ')}), after ${warmup} warm-up round(s)`,
      `the burst's answers per round, 202/429/503: ${kept.map((r) => statuses(r.burst)).join(', ')}`,
      `refusals: ${codes || 'none'}; ${withoutRetryAfter === 0 ? 'each with' : `${withoutRetryAfter} without`} Retry-After`,
    ].join('; '),
  };
}
