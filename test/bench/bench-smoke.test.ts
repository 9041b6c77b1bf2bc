import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/report.ts';

const run = promisify(execFile);

describe('npm run bench', () => {
  it('runs end to end at a tiny scale and writes every figure with its baseline', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    await run(process.execPath, ['bench/run.ts'], {
      env: { ...process.env, BENCH_SCALE: 'tiny', BENCH_OUT: outDir },
      timeout: 360_000,
    });
    const report = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as BenchReport;
    expect(report.figures.map((figure) => figure.id)).toEqual([...'ABCDEFGHIJK']);
    for (const figure of report.figures) {
      expect(figure.value, figure.id).toBeGreaterThan(0);
      if (figure.id !== 'F') expect(figure.baseline, figure.id).toBeGreaterThan(0);
    }
    expect(readFileSync(join(outDir, 'results.svg'), 'utf8')).toContain('<svg');
    expect(readFileSync(join(outDir, 'results.md'), 'utf8')).toContain('| A. ');
  }, 420_000);
});
