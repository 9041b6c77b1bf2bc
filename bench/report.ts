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

/**
 * A bar per ratio figure with its target marked, then a bar per absolute figure with a
 * target, drawn as a share of that target: readable at a glance, no chart library.
 */
export function renderSvg(report: BenchReport): string {
  const ratios = report.figures.filter((f) => f.ratio !== null);
  const absolutes = report.figures.filter(
    (f) => f.ratio === null && Number.isFinite(targetOf(f)) && f.value > 0,
  );
  const rowHeight = 34;
  const left = 400;
  const width = 920;
  const shares = absolutes.map((f) => f.value / targetOf(f));
  const scaleMax = Math.max(2, ...ratios.map((f) => f.ratio ?? 0), ...shares) * 1.1;
  const x = (ratio: number) => left + (ratio / scaleMax) * (width - left - 40);
  const absolutesTop = 50 + ratios.length * rowHeight;
  const height = 70 + (ratios.length + absolutes.length) * rowHeight + (absolutes.length ? 30 : 0);
  const bar = (f: Figure, y: number, length: number, text: string, target: number) => {
    const color = f.met === null ? '#607d8b' : f.met ? '#2e7d32' : '#c62828';
    const label = `${f.id}. ${f.name}${f.ratioMeaning.includes('lower is better') ? ' (lower is better)' : ''}`;
    return [
      `<text x="${left - 10}" y="${y + 16}" text-anchor="end">${escapeXml(label)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${Math.max(1, x(length) - left)}" height="18" fill="${color}" rx="2"/>`,
      // Past the target line, if the bar ends short of it, so the line never crosses the text.
      `<text x="${Math.max(x(length), Number.isFinite(target) ? x(target) : 0) + 6}" y="${y + 16}">${escapeXml(text)}</text>`,
      Number.isFinite(target)
        ? `<line x1="${x(target)}" x2="${x(target)}" y1="${y}" y2="${y + 24}" stroke="#222" stroke-width="2" stroke-dasharray="3,2"/>`
        : '',
    ].join('');
  };
  const rows = [
    ...ratios.map((f, i) => bar(f, 50 + i * rowHeight, f.ratio ?? 0, fmt(f.ratio, 2), targetOf(f))),
    ...(absolutes.length
      ? [
          `<text x="16" y="${absolutesTop + 20}" fill="#555">Absolute figures, as a share of their target (dashed line: the target)</text>`,
        ]
      : []),
    ...absolutes.map((f, i) =>
      bar(
        f,
        absolutesTop + 30 + i * rowHeight,
        shares[i] ?? 0,
        `${fmt(f.value)} ${f.unit} (target ${f.target})`,
        1,
      ),
    ),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="13" role="img" aria-label="Benchmark ratios to same-run baselines">
<title>Benchmark ratios to same-run baselines</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="24" font-size="15" font-weight="600">Ratio to the baseline measured in the same run (dashed line: target; green met, red not, grey no target)</text>
<text x="16" y="40" fill="#555">${escapeXml(`${report.machine.cores} cores, ${report.machine.cpu}, Node ${report.machine.node}, ${report.startedAt}`)}</text>
${rows.join('\n')}
</svg>
`;
}

/** The number in a target ("≤ 1.5", "< 20 ms"); NaN when there is none ("shown"). */
function targetOf(figure: Figure): number {
  return Number.parseFloat(figure.target.replace(/[^\d.]/g, ''));
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
