import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Figure {
  id: string;
  name: string;
  value: number;
  unit: string;
  baselineName: string;
  baseline: number | null;
  /** value ÷ baseline, or baseline ÷ value where lower is better (see `ratioMeaning`). */
  ratio: number | null;
  ratioMeaning: string;
  target: string;
  met: boolean | null;
  apiPeakRssMb?: number;
  workerPeakRssMb?: number;
  notes?: string;
}

export interface BenchReport {
  startedAt: string;
  machine: { cores: number; memoryGb: number; node: string; cpu: string };
  scale: Record<string, unknown>;
  settings: Record<string, unknown>;
  figures: Figure[];
}

const fmt = (n: number | null | undefined, digits = 1) =>
  n === null || n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits);

export function renderTable(report: BenchReport): string {
  const header =
    '| Figure | Measured | Baseline (same run) | Ratio | Target | Met | API RSS MB | Worker RSS MB |';
  const rows = report.figures.map(
    (f) =>
      `| ${f.id}. ${f.name} | ${fmt(f.value)} ${f.unit} | ${f.baseline === null ? '—' : `${fmt(f.baseline)} ${f.unit}`} (${f.baselineName}) | ${fmt(f.ratio, 2)} | ${f.target} | ${f.met === null ? '—' : f.met ? 'yes' : 'NO'} | ${fmt(f.apiPeakRssMb, 0)} | ${fmt(f.workerPeakRssMb, 0)} |`,
  );
  const notes = report.figures.flatMap((f) => (f.notes ? [`- ${f.id}: ${f.notes}`] : []));
  const table = [header, '| --- | --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
  return notes.length ? `${table}\n\n${notes.join('\n')}` : table;
}

/** A bar per ratio figure with its target marked: readable at a glance, no chart library. */
export function renderSvg(report: BenchReport): string {
  const figures = report.figures.filter((f) => f.ratio !== null);
  const rowHeight = 34;
  const left = 400;
  const width = 920;
  const scaleMax = Math.max(2, ...figures.map((f) => f.ratio ?? 0)) * 1.1;
  const x = (ratio: number) => left + (ratio / scaleMax) * (width - left - 40);
  const height = 70 + figures.length * rowHeight;
  const bars = figures.map((f, i) => {
    const y = 50 + i * rowHeight;
    const targetValue = Number.parseFloat(f.target.replace(/[^\d.]/g, ''));
    const color = f.met === null ? '#607d8b' : f.met ? '#2e7d32' : '#c62828';
    const label = `${f.id}. ${f.name}${f.ratioMeaning.includes('lower is better') ? ' (lower is better)' : ''}`;
    return [
      `<text x="${left - 10}" y="${y + 16}" text-anchor="end">${escapeXml(label)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${Math.max(1, x(f.ratio ?? 0) - left)}" height="18" fill="${color}" rx="2"/>`,
      `<text x="${x(f.ratio ?? 0) + 6}" y="${y + 16}">${fmt(f.ratio, 2)}</text>`,
      Number.isFinite(targetValue)
        ? `<line x1="${x(targetValue)}" x2="${x(targetValue)}" y1="${y}" y2="${y + 24}" stroke="#222" stroke-width="2" stroke-dasharray="3,2"/>`
        : '',
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="13" role="img" aria-label="Benchmark ratios to same-run baselines">
<title>Benchmark ratios to same-run baselines</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="24" font-size="15" font-weight="600">Ratio to the baseline measured in the same run (dashed line: target; green met, red not, grey no target)</text>
<text x="16" y="40" fill="#555">${escapeXml(`${report.machine.cores} cores, ${report.machine.cpu}, Node ${report.machine.node}, ${report.startedAt}`)}</text>
${bars.join('\n')}
</svg>
`;
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c,
  );
}

export function writeReport(report: BenchReport, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, 'results.md'), `${renderTable(report)}\n`);
  writeFileSync(join(outDir, 'results.svg'), renderSvg(report));
}
