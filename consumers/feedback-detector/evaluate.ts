// Evaluation of a feedback detector against human-labelled conversations (the dev.jsonl format of
// /work/shared/data/feedback): labels are stripped, the detector sees every labelled user turn as
// (history, response, followUp), and its verdicts are scored the way Table 6 of the WildFeedback paper scores
// GPT-4 against human annotators: SAT-vs-rest and DSAT-vs-rest accuracy, precision, recall, F1, Cohen's kappa.
//
// Mapping of the detector's polarity onto the two binary tasks:
//   SAT   -> SAT positive,  DSAT negative
//   DSAT  -> DSAT positive, SAT negative
//   MIXED -> DSAT positive, SAT negative. A turn that voices any dissatisfaction ("better, but still too long",
//            "thanks, but that's wrong") is treated as a DSAT signal: the response it judges is the one a
//            preference pair would mark as dispreferred, and gold labels are single-valued.
//   NONE  -> negative for both.
// Pure: no I/O. Reading files and printing belong to eval-command.ts (`insitu eval-detector`).
import type { Detection, DetectionInput, DetectionMessage, Detector } from './detector.js';

export type GoldLabel = 'SAT' | 'DSAT' | 'NEUTRAL';

export interface LabelledConversation {
  conversation_id: string;
  source?: string;
  language?: string;
  conversation: DetectionMessage[];
  labels: { turn_index: number; gold: GoldLabel }[];
}

export interface LabelledTurn {
  conversationId: string;
  source: string;
  turnIndex: number;
  gold: GoldLabel;
  input: DetectionInput;
}

export interface BinaryMetrics {
  n: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  kappa: number;
}

export interface EvaluationReport {
  detector: string;
  conversations: number;
  turns: number;
  /** Labels whose turn_index does not point at a user message answering an assistant message. */
  skipped: number;
  sat: BinaryMetrics;
  dsat: BinaryMetrics;
  /** gold label -> predicted polarity -> count */
  confusion: Record<GoldLabel, Record<Detection['polarity'], number>>;
  elapsedMs: number;
  turnsPerSecond: number;
}

export type Split = 'develop' | 'check';

/** FNV-1a (32 bit) over the UTF-8 bytes of a string. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Deterministic ~70/30 split by conversation id: tune on 'develop', confirm rarely on 'check'. */
export function splitOf(conversationId: string): Split {
  return fnv1a(conversationId) % 10 < 7 ? 'develop' : 'check';
}

export function parseJsonl(text: string): LabelledConversation[] {
  const out: LabelledConversation[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t !== '') out.push(JSON.parse(t) as LabelledConversation);
  }
  return out;
}

/**
 * The detector inputs of a conversation, labels stripped: for the user turn at turn_index, history is
 * everything before the judged response, response is the assistant message right before it, followUp the turn.
 */
export function labelledTurns(conv: LabelledConversation): { turns: LabelledTurn[]; skipped: number } {
  const turns: LabelledTurn[] = [];
  let skipped = 0;
  const messages = conv.conversation.map((m) => ({ role: m.role, content: m.content }));
  for (const label of conv.labels) {
    const i = label.turn_index;
    const user = messages[i];
    const answer = messages[i - 1];
    if (i < 1 || !user || !answer || user.role !== 'user' || answer.role !== 'assistant') {
      skipped++;
      continue;
    }
    turns.push({
      conversationId: conv.conversation_id,
      source: conv.source ?? 'unknown',
      turnIndex: i,
      gold: label.gold,
      input: { history: messages.slice(0, i - 1), response: answer.content ?? '', followUp: user.content ?? '' },
    });
  }
  return { turns, skipped };
}

export function binaryMetrics(tp: number, fp: number, fn: number, tn: number): BinaryMetrics {
  const n = tp + fp + fn + tn;
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const accuracy = n === 0 ? 0 : (tp + tn) / n;
  return { n, tp, fp, fn, tn, accuracy, precision, recall, f1, kappa: cohenKappa(tp, fp, fn, tn) };
}

/** Cohen's kappa of two binary raters from their 2x2 table (detector rows, gold columns). */
export function cohenKappa(tp: number, fp: number, fn: number, tn: number): number {
  const n = tp + fp + fn + tn;
  if (n === 0) return 0;
  const po = (tp + tn) / n;
  const pe = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n);
  return pe === 1 ? (po === 1 ? 1 : 0) : (po - pe) / (1 - pe);
}

export function predictsSat(d: Pick<Detection, 'polarity'>): boolean {
  return d.polarity === 'SAT';
}

export function predictsDsat(d: Pick<Detection, 'polarity'>): boolean {
  return d.polarity === 'DSAT' || d.polarity === 'MIXED';
}

export interface ScoredTurn {
  turn: LabelledTurn;
  detection: Detection;
}

function emptyConfusion(): EvaluationReport['confusion'] {
  const row = () => ({ SAT: 0, DSAT: 0, MIXED: 0, NONE: 0 });
  return { SAT: row(), DSAT: row(), NEUTRAL: row() };
}

/** Scores already-made detections (no timing). */
export function scoreDetections(
  detector: string,
  conversations: number,
  skipped: number,
  scored: readonly ScoredTurn[],
  elapsedMs = 0,
): EvaluationReport {
  const c = { sat: [0, 0, 0, 0], dsat: [0, 0, 0, 0] }; // tp fp fn tn
  const confusion = emptyConfusion();
  for (const { turn, detection } of scored) {
    confusion[turn.gold][detection.polarity]++;
    for (const [task, predicted, actual] of [
      ['sat', predictsSat(detection), turn.gold === 'SAT'],
      ['dsat', predictsDsat(detection), turn.gold === 'DSAT'],
    ] as const) {
      const k = predicted ? (actual ? 0 : 1) : actual ? 2 : 3;
      (c[task][k] as number)++;
    }
  }
  const m = (a: number[]) => binaryMetrics(a[0] ?? 0, a[1] ?? 0, a[2] ?? 0, a[3] ?? 0);
  return {
    detector,
    conversations,
    turns: scored.length,
    skipped,
    sat: m(c.sat),
    dsat: m(c.dsat),
    confusion,
    elapsedMs,
    turnsPerSecond: elapsedMs > 0 ? (scored.length * 1000) / elapsedMs : 0,
  };
}

function collect(conversations: readonly LabelledConversation[]): { turns: LabelledTurn[]; skipped: number } {
  const turns: LabelledTurn[] = [];
  let skipped = 0;
  for (const conv of conversations) {
    const r = labelledTurns(conv);
    turns.push(...r.turns);
    skipped += r.skipped;
  }
  return { turns, skipped };
}

/** Runs a synchronous detection function over every labelled turn; throughput is measured on the detector alone. */
export function evaluateSync(
  name: string,
  detect: (input: DetectionInput) => Detection,
  conversations: readonly LabelledConversation[],
): EvaluationReport & { scored: ScoredTurn[] } {
  const { turns, skipped } = collect(conversations);
  const scored: ScoredTurn[] = new Array(turns.length);
  const t0 = performance.now();
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i] as LabelledTurn;
    scored[i] = { turn, detection: detect(turn.input) };
  }
  const elapsed = performance.now() - t0;
  return { ...scoreDetections(name, conversations.length, skipped, scored, elapsed), scored };
}

/** Runs any Detector (local, LLM judge, cascade) over every labelled turn, `concurrency` at a time. */
export async function evaluateDetector(
  detector: Detector,
  conversations: readonly LabelledConversation[],
  options: { concurrency?: number } = {},
): Promise<EvaluationReport & { scored: ScoredTurn[] }> {
  const { turns, skipped } = collect(conversations);
  const scored: ScoredTurn[] = new Array(turns.length);
  const limit = Math.max(1, options.concurrency ?? 8);
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < turns.length) {
      const i = next++;
      const turn = turns[i] as LabelledTurn;
      scored[i] = { turn, detection: await detector.detect(turn.input) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, turns.length) }, worker));
  const elapsed = performance.now() - t0;
  return { ...scoreDetections(detector.name, conversations.length, skipped, scored, elapsed), scored };
}

const pct = (x: number) => (100 * x).toFixed(1).padStart(9);

/** The report in the layout of Table 6 of the WildFeedback paper (all numbers in %), plus counts. */
export function formatTable6(report: EvaluationReport): string {
  const row = (name: string, m: BinaryMetrics) =>
    `${name.padEnd(6)}${pct(m.accuracy)}${pct(m.precision)}${pct(m.recall)}${pct(m.f1)}${pct(m.kappa)}` +
    `   tp=${m.tp} fp=${m.fp} fn=${m.fn} tn=${m.tn}`;
  const head = `${''.padEnd(6)}${'Accuracy'.padStart(9)}${'Precision'.padStart(10)}${'Recall'.padStart(8)}${'F1'.padStart(9)}${'κ'.padStart(9)}`;
  const conf = (['SAT', 'DSAT', 'NEUTRAL'] as const)
    .map((g) => {
      const r = report.confusion[g];
      return `  gold ${g.padEnd(8)} -> SAT ${r.SAT}  DSAT ${r.DSAT}  MIXED ${r.MIXED}  NONE ${r.NONE}`;
    })
    .join('\n');
  return [
    `SAT and DSAT classification: detector "${report.detector}" vs gold (all numbers in %; MIXED counts as DSAT)`,
    head,
    row('SAT', report.sat),
    row('DSAT', report.dsat),
    `${report.turns} turns in ${report.conversations} conversations` +
      (report.skipped ? ` (${report.skipped} labels skipped)` : '') +
      (report.elapsedMs > 0 ? `; ${Math.round(report.turnsPerSecond).toLocaleString('en-US')} turns/s` : ''),
    conf,
  ].join('\n');
}
