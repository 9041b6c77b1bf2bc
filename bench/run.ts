import { availableParallelism, cpus, totalmem } from 'node:os';
import bcrypt from 'bcryptjs';
import { loadConfig } from '../shared/config.ts';
import { startEmulatorsInOwnProcess } from '../test/harness/emulators.ts';
import { benchApiProcesses } from './context.ts';
import { measureFairHashing } from './fair-hashing.ts';
import { measureBurst, measureLatency } from './latency.ts';
import { measureLongPolls } from './long-polls.ts';
import { type BenchReport, type Figure, renderTable, writeReport } from './report.ts';
import { SCALES, type Scale } from './scales.ts';
import {
  measureAcceptedCommands,
  measureCreates,
  measureDrain,
  measureReads,
} from './throughput.ts';
import { measureTracedAccepts, measureTracedDrain } from './tracing.ts';

/**
 * `npm run bench`: every figure next to a baseline measured in the same run, on the embedded
 * emulators. BENCH_SCALE=tiny runs a few requests of each (the test suite does, so the bench
 * keeps working); BENCH_OUT chooses where results.{json,md,svg} go (default bench/).
 */
const scale: Scale = SCALES[(process.env.BENCH_SCALE as Scale['name']) ?? 'full'] ?? SCALES.full;
const outDir = process.env.BENCH_OUT ?? 'bench';
const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);

// The settings the services run with: their defaults, unless the environment overrides them
// (e.g. WORKER_POLLERS=8), and the API on every core.
const service = loadConfig({ ...process.env, API_PROCESSES: String(benchApiProcesses()) });
const defaults = service.env;
const cores = availableParallelism();
const startedAt = new Date().toISOString();
say(`scale ${scale.name}; ${cores} cores; bcrypt cost ${defaults.BCRYPT_COST}`);

const emulators = await startEmulatorsInOwnProcess();
try {
  const inputs = {
    scale,
    emulatorEnv: emulators.env,
    bcryptCost: defaults.BCRYPT_COST,
    cores,
    passwordHash: bcrypt.hashSync('correct horse battery', 4),
    workerConcurrency: defaults.WORKER_POLLERS * defaults.WORKER_BATCH_SIZE,
  };
  const figures: Figure[] = [];
  // BENCH_ONLY=A,G runs some scenarios (each label starts with the letters it measures).
  const only = process.env.BENCH_ONLY?.split(',');
  const run = async (label: string, measure: () => Promise<Figure | Figure[]>) => {
    const letters = label.split(':')[0]?.split(', ') ?? [];
    if (only && !only.some((letter) => letters.includes(letter))) return;
    say(`${label}…`);
    const result = await measure();
    figures.push(...(Array.isArray(result) ? result : [result]));
  };
  await run('A: accepted commands', () => measureAcceptedCommands(inputs));
  await run('B, F: creates', () => measureCreates(inputs));
  await run('C: worker drain', () => measureDrain(inputs));
  await run('D: reads', () => measureReads(inputs));
  await run('E: latency', () => measureLatency(inputs));
  await run('G: burst', () => measureBurst(inputs));
  await run('H: reads among long polls', () => measureLongPolls(inputs));
  await run('I: a create during another client’s burst', () => measureFairHashing(inputs));
  await run('J: commands accepted, tracing on vs off', () => measureTracedAccepts(inputs));
  await run('K: worker drain, tracing on vs off', () => measureTracedDrain(inputs));
  figures.sort((a, b) => a.id.localeCompare(b.id));

  const report: BenchReport = {
    startedAt,
    machine: {
      cores,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.versions.node,
      cpu: cpus()[0]?.model ?? 'unknown',
    },
    scale: { ...scale },
    settings: {
      bcryptCost: defaults.BCRYPT_COST,
      apiProcesses: defaults.API_PROCESSES,
      hashThreadsPerApiProcess: service.hashThreads,
      workerPollers: defaults.WORKER_POLLERS,
      workerBatchSize: defaults.WORKER_BATCH_SIZE,
      logLevel: 'info (to a file)',
      loadGenerator: 'autocannon',
    },
    figures,
  };
  writeReport(report, outDir);
  process.stdout.write(`\n${renderTable(report)}\n\n`);
  say(`wrote ${outDir}/results.json, results.md, results.svg`);
} finally {
  await emulators.stop();
}
