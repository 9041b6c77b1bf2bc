import { startOtlpReceiver } from '../test/support/otlp-receiver.ts';
import { percentile } from './context.ts';
import type { Figure } from './report.ts';
import { pairedRounds } from './rounds.ts';
import {
  acceptedCommandsPerSecond,
  type BenchInputs,
  drainPerSecond,
  roundsNote,
} from './throughput.ts';

/*
 * J and K. What tracing costs: A (commands accepted) and C (the worker's drain) with tracing
 * on, exporting every span over OTLP/HTTP to a receiver on this machine, against the same
 * measurement with tracing off, in paired rounds. The target is a loss of at most 10 %.
 */

/** J: A with tracing on, against A with tracing off. */
export function measureTracedAccepts(inputs: BenchInputs): Promise<Figure> {
  return withReceiver(async (tracing, spans) => {
    let apiPeakRssMb = 0;
    const cpu: { on: number; off: number }[] = [];
    const result = await pairedRounds(inputs.scale.tracingRounds, async (round) => {
      const on = await acceptedCommandsPerSecond(inputs, `j${round}`, tracing);
      const off = await acceptedCommandsPerSecond(inputs, `j${round}-off`);
      apiPeakRssMb = Math.max(apiPeakRssMb, on.apiPeakRssMb);
      cpu.push({ on: on.cpuMsPerCommand, off: off.cpuMsPerCommand });
      return { value: on.value, baseline: off.value };
    });
    // The rounds after the warm-up ones: the API's own CPU per command, which the emulator,
    // the load generator and the receiver sharing these cores do not blur.
    const measured = cpu.slice(inputs.scale.tracingRounds.warmup);
    const cpuRatio = percentile(
      measured.map(({ on, off }) => off / on),
      50,
    );
    const perCommand = (ms: number) => `${Math.round(ms * 1000)} µs`;
    return {
      id: 'J',
      name: 'A with tracing on (every span exported over OTLP/HTTP)',
      value: result.value,
      unit: '/s',
      baselineName: 'A with tracing off, same run',
      baseline: result.baseline,
      ratio: result.ratio,
      ratioMeaning: 'traced ÷ untraced, median of paired rounds',
      target: '≥ 0.9',
      met: result.ratio >= 0.9,
      apiPeakRssMb,
      notes:
        `${roundsNote(inputs.scale.tracingRounds, result.ratios)}; about ${spans()} spans received; ` +
        `the API's CPU per command (all processes and threads) ${measured.map(({ on, off }) => `${perCommand(on)} traced vs ${perCommand(off)}`).join(', ')}: ` +
        `untraced ÷ traced ${cpuRatio.toFixed(2)}`,
    };
  });
}

/** K: C with tracing on, against C with tracing off. */
export function measureTracedDrain(inputs: BenchInputs): Promise<Figure> {
  return withReceiver(async (tracing, spans) => {
    let workerPeakRssMb = 0;
    const result = await pairedRounds(inputs.scale.tracingRounds, async (round) => {
      const on = await drainPerSecond(inputs, `k${round}`, tracing);
      const off = await drainPerSecond(inputs, `k${round}-off`);
      workerPeakRssMb = Math.max(workerPeakRssMb, on.workerPeakRssMb);
      return { value: on.value, baseline: off.value };
    });
    return {
      id: 'K',
      name: 'C with tracing on (every span exported over OTLP/HTTP)',
      value: result.value,
      unit: '/s',
      baselineName: 'C with tracing off, same run',
      baseline: result.baseline,
      ratio: result.ratio,
      ratioMeaning: 'traced ÷ untraced, median of paired rounds',
      target: '≥ 0.9',
      met: result.ratio >= 0.9,
      workerPeakRssMb,
      notes: `${roundsNote(inputs.scale.tracingRounds, result.ratios)}; about ${spans()} spans received`,
    };
  });
}

/** An OTLP receiver on this machine for the traced side; the environment that points at it. */
async function withReceiver(
  measure: (tracing: Record<string, string>, spans: () => number) => Promise<Figure>,
): Promise<Figure> {
  const receiver = await startOtlpReceiver({ keep: false });
  // Every span by default; OTEL_TRACES_SAMPLER(_ARG) in the bench's environment reach the
  // traced side, to measure a sampled deployment.
  const sampler = Object.fromEntries(
    ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'].flatMap((name) =>
      process.env[name] ? [[name, process.env[name] as string]] : [],
    ),
  );
  try {
    return await measure(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...sampler },
      receiver.spanCount,
    );
  } finally {
    await receiver.close();
  }
}
