// The evaluation report on disk and on screen: <dataDir>/evaluations/<report_id>.json (everything, per-sample
// verdicts included) and <report_id>.md, a table laid out like WildFeedback's Table 3 (rows: with and without
// checklist; columns: Win / Tie / Lose %) followed by the same per cluster.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PairwiseRates } from '../../src/routing/promotion.js';
import type { EvaluationReport } from './evaluate.js';

export const EVALUATIONS_DIR = 'evaluations';

const pct = (x: number) => (100 * x).toFixed(1);
const cell = (text: string) => text.replace(/\|/g, '/').replace(/\s+/g, ' ').trim();
const ratesRow = (name: string, r: PairwiseRates) => `| ${name} | ${pct(r.win)} | ${pct(r.tie)} | ${pct(r.lose)} | ${r.n} |`;

/** The Table-3 layout: one row per variant. */
export function formatRatesTable(report: Pick<EvaluationReport, 'with_checklist' | 'without_checklist'>): string {
  return [
    '| Evaluation | Win % | Tie % | Lose % | n |',
    '|---|---:|---:|---:|---:|',
    ratesRow('with checklist', report.with_checklist),
    ratesRow('without checklist', report.without_checklist),
  ].join('\n');
}

export function formatReport(report: EvaluationReport): string {
  const lines = [
    `# Evaluation ${report.report_id}`,
    '',
    `candidate **${report.candidate}** vs baseline **${report.baseline}**, judge ${report.judge}, vectors ${report.vectors}`,
    `test set: ${report.sizes.selected} selected of ${report.sizes.pool} held-out samples (${report.selection.clusters} clusters requested, ` +
      `${report.selection.per_cluster} per cluster, ${report.sizes.duplicates_removed} near-duplicates removed); ${report.sizes.answered} answered by both models`,
    `failures: ${report.failures.generation} generation, ${report.failures.judge} judge; ${report.timing.seconds.toFixed(1)} s`,
    '',
    formatRatesTable(report),
  ];
  if (report.gate) lines.push('', `promotion gate: ${report.gate.promote ? 'passes' : 'refuses'}: ${report.gate.reason}`);
  if (report.clusters.length > 0) {
    lines.push(
      '',
      '## Per cluster (with checklist / without checklist)',
      '',
      '| Cluster | Label | Size | Selected | Win % | Tie % | Lose % | n | Win % (no checklist) | Tie % | Lose % | n |',
      '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...report.clusters.map((c) => {
        const w = c.with_checklist;
        const o = c.without_checklist;
        return `| ${c.cluster} | ${cell(c.label) || '-'} | ${c.size} | ${c.selected} | ${pct(w.win)} | ${pct(w.tie)} | ${pct(w.lose)} | ${w.n} | ${pct(o.win)} | ${pct(o.tie)} | ${pct(o.lose)} | ${o.n} |`;
      }),
    );
  }
  return lines.join('\n');
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

/** Writes both files under <dataDir>/evaluations; returns their paths. */
export function writeReport(dataDir: string, report: EvaluationReport): Promise<{ json: string; markdown: string }> {
  return writeReportTo(join(dataDir, EVALUATIONS_DIR), report);
}

/** Writes both files straight into `dir` (created when missing). */
export async function writeReportTo(dir: string, report: EvaluationReport): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, `${report.report_id}.json`);
  const markdown = join(dir, `${report.report_id}.md`);
  await writeAtomically(json, JSON.stringify(report, null, 2) + '\n');
  await writeAtomically(markdown, formatReport(report) + '\n');
  return { json, markdown };
}
