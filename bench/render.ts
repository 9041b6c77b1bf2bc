import { readFileSync } from 'node:fs';
import { type BenchReport, writeReport } from './report.ts';

/** Re-renders results.{md,svg} from a results.json (e.g. after changing the chart). */
const dir = process.argv[2] ?? 'bench';
writeReport(JSON.parse(readFileSync(`${dir}/results.json`, 'utf8')) as BenchReport, dir);
