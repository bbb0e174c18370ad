// `insitu export`: reads the store (deduplicated, filtered by tenant and days), turns each record into one line
// of the chosen format, checks every line with the format's validator before writing it, and computes the
// Table-2 statistics of what was written.
import { readDataset, type DatasetFilter, type ReadStats } from '../reader.js';
import type { ExportFormat } from './format.js';
import { hindsight } from './hindsight.js';
import { llamaFactory } from './llama-factory.js';
import { openAIDpo } from './openai-dpo.js';
import { createOutputFile } from './output.js';
import { sft } from './sft.js';
import { createStatistics, formatTable2, type DatasetStatistics } from './stats.js';
import { trl } from './trl.js';

export const EXPORT_FORMATS: readonly ExportFormat[] = [openAIDpo, trl, llamaFactory, sft, hindsight];

export function findExportFormat(name: string): ExportFormat | undefined {
  return EXPORT_FORMATS.find((f) => f.name === name);
}

export interface ExportOptions extends DatasetFilter {
  dataDir: string;
  format: ExportFormat;
  outDir: string;
}

export interface ExportResult {
  format: string;
  /** The data file, then any companion files (dataset_info.json). */
  files: string[];
  written: number;
  /** Records not exported, by reason (a line failing its own format's validator counts as 'self-check: ...'). */
  skipped: Record<string, number>;
  read: ReadStats;
  statistics: DatasetStatistics;
}

export async function exportDataset(options: ExportOptions): Promise<ExportResult> {
  const { format, dataDir, outDir, tenant, since, until } = options;
  const reader = readDataset({ dataDir, kind: format.source, tenant, since, until });
  const statistics = createStatistics(format.source === 'pairs' ? 'pairs' : 'examples');
  const skipped: Record<string, number> = {};
  let written = 0;
  const output = await createOutputFile(outDir, format.file, format.layout);
  try {
    for await (const record of reader) {
      const converted = format.convert(record);
      const problem = converted.ok ? format.validate(converted.line)[0] : undefined;
      if (!converted.ok || problem !== undefined) {
        const reason = converted.ok ? `self-check: ${problem}` : converted.reason;
        skipped[reason] = (skipped[reason] ?? 0) + 1;
        continue;
      }
      await output.add(converted.line);
      statistics.add(record);
      written++;
    }
  } catch (error) {
    await output.abort();
    throw error;
  }
  const files = [await output.commit(), ...((await format.finish?.(outDir)) ?? [])];
  return { format: format.name, files, written, skipped, read: reader.stats, statistics: statistics.result() };
}

/** What `insitu export` prints: where it wrote, what it read and skipped, then the Table-2 statistics. */
export function describeExport(result: ExportResult): string {
  const format = findExportFormat(result.format);
  const unit = result.statistics.unit === 'pairs' ? 'pairs' : `${result.format} examples`;
  const { read } = result;
  const lines = [
    `insitu: exported ${result.written} ${unit} as ${format?.describe ?? result.format} to ${result.files[0]}`,
    ...result.files.slice(1).map((f) => `  also wrote ${f}`),
    `  read ${read.lines} lines from ${read.files} files: ${read.duplicates} duplicates dropped, ${read.unreadable} unreadable, ${read.invalid} invalid`,
  ];
  const skipped = Object.entries(result.skipped);
  if (skipped.length) lines.push(`  skipped ${skipped.reduce((n, [, c]) => n + c, 0)}: ${skipped.map(([reason, c]) => `${reason} (${c})`).join(', ')}`);
  return [...lines, '', formatTable2(result.statistics)].join('\n');
}
