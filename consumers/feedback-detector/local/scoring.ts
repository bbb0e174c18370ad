// From cue hits to a verdict: contrast handling ("thanks, but ..."), per-rubric scores, polarity, confidence
// and the evidence span.
import {
  DSAT_RUBRICS,
  SAT_RUBRICS,
  isSatRubric,
  type DsatRubric,
  type Polarity,
  type Rubric,
  type SatRubric,
} from '../../../src/feedback/rubrics.js';
import type { CueHit } from './cues.js';
import type { PreparedText } from './text.js';

export interface ScoringParams {
  /** Summed SAT score at or above which the turn shows satisfaction. */
  satThreshold: number;
  /** Summed DSAT score at or above which the turn shows dissatisfaction. */
  dsatThreshold: number;
  /** When both sides pass, one side wins outright if it is this many times the other; else MIXED. */
  dominance: number;
  /** A rubric's score is its strongest hit plus this share of its other hits. */
  extraHitShare: number;
  /** Most that weak hints add to one rubric. */
  hintCap: number;
  /** A rubric hit only with "!" or a bare "yes" is weak; SAT needs at least one hit this strong. */
  minStrongSat: number;
  /** Subtracted from the SAT score when the follow-up asks a question: it moves on rather than judges. */
  questionPenalty: number;
}

export const DEFAULT_SCORING: ScoringParams = {
  satThreshold: 0.8,
  dsatThreshold: 1.0,
  dominance: 2.5,
  extraHitShare: 0.25,
  hintCap: 0.3,
  minStrongSat: 0.5,
  questionPenalty: 0.3,
};

const QUESTION_RE = /[?？]|[吗呢][。！!\s]*$/;

export interface Scored {
  polarity: Polarity;
  satisfaction: SatRubric[];
  dissatisfaction: DsatRubric[];
  satScore: number;
  dsatScore: number;
  confidence: number;
  evidence: string | null;
  /** The hits that decided the verdict, strongest first. */
  decisive: CueHit[];
  /** All hits after contrast handling. */
  hits: CueHit[];
}

/**
 * Politeness is not praise: when a clause after a contrast marker carries dissatisfaction, thanks before it
 * are dropped and praise or agreement before it becomes "getting there" (merit granted, not satisfied).
 */
export function applyContrast(text: PreparedText, hits: CueHit[]): CueHit[] {
  let pivot = -1;
  for (const h of hits) {
    if (isSatRubric(h.rubric)) continue;
    const c = text.clauses[h.clause];
    if (c?.afterContrast && (pivot < 0 || h.clause < pivot)) pivot = h.clause;
  }
  if (pivot < 0) return hits;
  const out: CueHit[] = [];
  for (const h of hits) {
    if (h.clause >= pivot || !isSatRubric(h.rubric)) {
      out.push(h);
    } else if (h.rubric === 'gratitude' || h.rubric === 'positive_closure' || h.rubric === 'acknowledgment' || h.rubric === 'compliance') {
      continue;
    } else {
      out.push({ ...h, rubric: 'getting_there', weight: Math.min(h.weight, 1.0), tag: `${h.tag}, but` });
    }
  }
  return out;
}

/**
 * A rubric's score: its strongest cue, plus a share of the others (capped at the strongest), plus weak hints
 * ("!", a bare "yes") in full, up to `hintCap`, so "Great!" outweighs "great".
 */
function rubricScores<R extends Rubric>(hits: CueHit[], rubrics: readonly R[], share: number, hintCap: number): Map<R, number> {
  const acc = new Map<R, { best: number; sum: number; hints: number }>();
  for (const h of hits) {
    const r = h.rubric as R;
    if (!rubrics.includes(r)) continue;
    const a = acc.get(r) ?? { best: 0, sum: 0, hints: 0 };
    if (h.hint) a.hints += h.weight;
    else {
      a.best = Math.max(a.best, h.weight);
      a.sum += h.weight;
    }
    acc.set(r, a);
  }
  const out = new Map<R, number>();
  for (const [r, a] of acc) out.set(r, a.best + share * Math.min(a.best, a.sum - a.best) + Math.min(hintCap, a.hints));
  return out;
}

function total<R>(m: Map<R, number>): number {
  let t = 0;
  for (const v of m.values()) t += v;
  return t;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function score(text: PreparedText, rawHits: CueHit[], p: ScoringParams): Scored {
  let hits = applyContrast(text, rawHits);
  // "X gave me a better answer" is a comparison against the assistant, not progress
  if (hits.some((h) => h.rubric === 'lower_quality')) hits = hits.filter((h) => h.rubric !== 'getting_there');
  const sat = rubricScores(hits, SAT_RUBRICS, p.extraHitShare, p.hintCap);
  const dsat = rubricScores(hits, DSAT_RUBRICS, p.extraHitShare, p.hintCap);
  const dsatScore = total(dsat);
  // a question that is not itself a complaint moves the conversation on rather than judging the answer
  const asks = sat.size > 0 && dsat.size === 0 && QUESTION_RE.test(text.norm);
  const satScore = Math.max(0, total(sat) - (asks ? p.questionPenalty : 0));
  const strongestSat = Math.max(0, ...hits.filter((h) => isSatRubric(h.rubric)).map((h) => h.weight));
  let isSat = satScore >= p.satThreshold && strongestSat >= p.minStrongSat;
  let isDsat = dsatScore >= p.dsatThreshold;
  if (isSat && isDsat) {
    if (satScore >= p.dominance * dsatScore) isDsat = false;
    else if (dsatScore >= p.dominance * satScore) isSat = false;
  }
  const polarity: Polarity = isSat && isDsat ? 'MIXED' : isSat ? 'SAT' : isDsat ? 'DSAT' : 'NONE';

  const keepSat = isSat;
  const keepDsat = isDsat;
  // weak hints ("!", a bare "yes") add to the score but are not reported as rubrics unless nothing else is
  const labels = <R extends Rubric>(m: Map<R, number>): R[] => {
    const sorted = [...m.entries()].sort((a, b) => b[1] - a[1]).map(([r]) => r);
    const real = sorted.filter((r) => hits.some((h) => h.rubric === r && !h.hint));
    return real.length > 0 ? real : sorted.slice(0, 1);
  };
  const satisfaction = keepSat ? labels(sat) : [];
  const dissatisfaction = keepDsat ? labels(dsat) : [];

  const decisive = hits
    .filter((h) => (keepSat && isSatRubric(h.rubric)) || (keepDsat && !isSatRubric(h.rubric)))
    .sort((a, b) => b.weight - a.weight);

  const satMargin = satScore - p.satThreshold;
  const dsatMargin = dsatScore - p.dsatThreshold;
  let confidence: number;
  if (polarity === 'SAT') confidence = sigmoid(1.5 * satMargin + 0.4) * (1 - 0.5 * Math.min(1, dsatScore / p.dsatThreshold));
  else if (polarity === 'DSAT') confidence = sigmoid(1.5 * dsatMargin + 0.4) * (1 - 0.5 * Math.min(1, satScore / p.satThreshold));
  else if (polarity === 'MIXED') confidence = Math.min(sigmoid(1.5 * satMargin + 0.4), sigmoid(1.5 * dsatMargin + 0.4));
  else confidence = 1 - sigmoid(2 * Math.max(satMargin, dsatMargin) + 0.5);
  confidence = Math.round(Math.max(0.05, Math.min(0.99, confidence)) * 100) / 100;

  return {
    polarity,
    satisfaction,
    dissatisfaction,
    satScore,
    dsatScore,
    confidence,
    evidence: evidenceSpan(text, decisive),
    decisive,
    hits,
  };
}

/**
 * The original text of the clause holding the strongest decisive hit, widened to the second strongest when it
 * is in a neighbouring clause; long clauses are cut to a window around the cue. Always a verbatim substring
 * of the follow-up. Null when nothing fired.
 */
function evidenceSpan(text: PreparedText, decisive: CueHit[]): string | null {
  const top = decisive[0];
  if (!top) return null;
  const clauseOf = (h: CueHit) => text.clauses.findIndex((c) => h.start >= c.start && h.start < c.end);
  const ti = clauseOf(top);
  let start = ti >= 0 ? (text.clauses[ti] as { start: number }).start : top.start;
  let end = ti >= 0 ? (text.clauses[ti] as { end: number }).end : top.end;
  const second = decisive[1];
  if (second && ti >= 0) {
    const si = clauseOf(second);
    const between = si >= 0 ? text.norm.slice(Math.min(start, text.clauses[si]!.start), Math.max(end, text.clauses[si]!.end)) : '\n';
    if (si >= 0 && Math.abs(si - ti) <= 1 && !between.includes('\n') && between.length <= 160) {
      start = Math.min(start, text.clauses[si]!.start);
      end = Math.max(end, text.clauses[si]!.end);
    }
  }
  if (end - start > 160) {
    start = Math.max(start, top.start - 60);
    end = Math.min(end, top.end + 60);
  }
  const span = text.original.slice(start, end).trim();
  return span === '' ? null : span;
}
