import { percentile } from './context.ts';

export interface Rounds {
  /** Untimed rounds first: DynamoDB Local's JVM and the processes compile their hot code. */
  warmup: number;
  measured: number;
}

export interface PairedRound {
  value: number;
  baseline: number;
}

export interface PairedResult extends PairedRound {
  /** The median of the per-round ratios: each pairs a figure with a baseline measured next to it. */
  ratio: number;
  ratios: number[];
}

/**
 * Runs `round` (the figure, then its baseline, back to back) `warmup` times, discarding the
 * results, then `measured` times. On these shared machines a single pass swings by ±20% and
 * whichever side runs first on a cold JVM loses (C read 0.60, then 0.98 on a second pass),
 * so the ratio is the median of paired rounds, and value and baseline are medians too.
 */
export async function pairedRounds(
  rounds: Rounds,
  round: (index: number) => Promise<PairedRound>,
): Promise<PairedResult> {
  for (let i = 0; i < rounds.warmup; i++) await round(i);
  const results: PairedRound[] = [];
  for (let i = 0; i < rounds.measured; i++) results.push(await round(rounds.warmup + i));
  const ratios = results.map((r) => r.value / r.baseline);
  return {
    value: percentile(
      results.map((r) => r.value),
      50,
    ),
    baseline: percentile(
      results.map((r) => r.baseline),
      50,
    ),
    ratio: percentile(ratios, 50),
    ratios,
  };
}
