// `insitu eval-detector --input labelled.jsonl [--split develop|check|all] [--errors N] [--json]`: runs the
// detector over dev.jsonl-style data (labels stripped before detection) and prints Table-6 metrics.
import { readFileSync } from 'node:fs';
import { evaluateSync, formatTable6, parseJsonl, predictsDsat, predictsSat, splitOf } from './evaluate.js';
import { detectLocally } from './local/index.js';

export interface EvalDetectorOptions {
  input: string;
  split: string;
  errors: number;
  json: boolean;
  write: (text: string) => void;
}

/** Returns an error message for bad options, or null after printing the report. */
export function evalDetector(options: EvalDetectorOptions): string | null {
  const split = options.split === 'dev' ? 'develop' : options.split;
  if (!['develop', 'check', 'all'].includes(split)) return `unknown split '${options.split}' (develop, check or all)`;
  const all = parseJsonl(readFileSync(options.input, 'utf8'));
  const conversations = split === 'all' ? all : all.filter((c) => splitOf(c.conversation_id) === split);
  // warm up once so the throughput figure measures the detector, not JIT start-up
  evaluateSync('local', detectLocally, conversations.slice(0, 50));
  const report = evaluateSync('local', detectLocally, conversations);
  if (options.json) {
    const { scored: _scored, ...rest } = report;
    options.write(`${JSON.stringify(rest, null, 2)}\n`);
  } else {
    options.write(`split: ${split}\n${formatTable6(report)}\n`);
  }
  const errors = options.errors;
  if (errors > 0) {
    const kinds = [
      ['SAT false positives', (s: (typeof report.scored)[number]) => predictsSat(s.detection) && s.turn.gold !== 'SAT'],
      ['SAT misses', (s: (typeof report.scored)[number]) => !predictsSat(s.detection) && s.turn.gold === 'SAT'],
      ['DSAT false positives', (s: (typeof report.scored)[number]) => predictsDsat(s.detection) && s.turn.gold !== 'DSAT'],
      ['DSAT misses', (s: (typeof report.scored)[number]) => !predictsDsat(s.detection) && s.turn.gold === 'DSAT'],
    ] as const;
    for (const [title, pick] of kinds) {
      const rows = report.scored.filter(pick);
      options.write(`\n== ${title} (${rows.length})\n`);
      for (const s of rows.slice(0, errors)) {
        const d = s.detection;
        options.write(
          `[${s.turn.gold} -> ${d.polarity} ${[...d.satisfaction, ...d.dissatisfaction].join(',')}] ` +
            `A: ${s.turn.input.response.slice(0, 90)} | U: ${s.turn.input.followUp.slice(0, 140)}\n`,
        );
      }
    }
  }
  return null;
}
