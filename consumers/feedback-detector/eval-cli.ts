// Evaluate the local feedback detector on labelled conversations:
//   node dist/consumers/feedback-detector/eval-cli.js --input /work/shared/data/feedback/dev.jsonl [--split develop|check|all] [--errors N] [--json]
// (--split dev is accepted for develop.) The main CLI will expose the same through `insitu eval-detector`.
import { readFileSync } from 'node:fs';
import { evaluateSync, formatTable6, parseJsonl, predictsDsat, predictsSat, splitOf } from './evaluate.js';
import { detectLocally } from './local/index.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const input = arg('input');
if (!input) {
  process.stderr.write('usage: eval-cli --input <file.jsonl> [--split develop|check|all] [--errors N] [--json]\n');
  process.exit(2);
}
const splitArg = arg('split') ?? 'all';
const split = splitArg === 'dev' ? 'develop' : splitArg;
if (!['develop', 'check', 'all'].includes(split)) {
  process.stderr.write(`unknown split ${splitArg}\n`);
  process.exit(2);
}
const all = parseJsonl(readFileSync(input, 'utf8'));
const conversations = split === 'all' ? all : all.filter((c) => splitOf(c.conversation_id) === split);
// warm up once so the throughput figure measures the detector, not JIT start-up
evaluateSync('local', detectLocally, conversations.slice(0, 50));
const report = evaluateSync('local', detectLocally, conversations);

if (process.argv.includes('--json')) {
  const { scored: _scored, ...rest } = report;
  process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
} else {
  process.stdout.write(`split: ${split}\n${formatTable6(report)}\n`);
}

const errors = Number(arg('errors') ?? 0);
if (errors > 0) {
  const kinds = [
    ['SAT false positives', (s: (typeof report.scored)[number]) => predictsSat(s.detection) && s.turn.gold !== 'SAT'],
    ['SAT misses', (s: (typeof report.scored)[number]) => !predictsSat(s.detection) && s.turn.gold === 'SAT'],
    ['DSAT false positives', (s: (typeof report.scored)[number]) => predictsDsat(s.detection) && s.turn.gold !== 'DSAT'],
    ['DSAT misses', (s: (typeof report.scored)[number]) => !predictsDsat(s.detection) && s.turn.gold === 'DSAT'],
  ] as const;
  for (const [title, pick] of kinds) {
    const rows = report.scored.filter(pick);
    process.stdout.write(`\n== ${title} (${rows.length})\n`);
    for (const s of rows.slice(0, errors)) {
      const d = s.detection;
      process.stdout.write(
        `[${s.turn.gold} -> ${d.polarity} ${[...d.satisfaction, ...d.dissatisfaction].join(',')}] ` +
          `A: ${s.turn.input.response.slice(0, 90)} | U: ${s.turn.input.followUp.slice(0, 140)}\n`,
      );
    }
  }
}
