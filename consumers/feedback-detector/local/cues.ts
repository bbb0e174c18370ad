// Cue matching: find every lexicon cue in a prepared follow-up, decide per hit whether it is negated, and
// turn negated hits into their opposite reading ("not helpful" -> negative feedback) or drop them.
// Idioms are listed before the single words they contain and claim their span, so "no problem",
// "not bad", "不错", "不好意思" are read whole and their inner "no"/"bad"/"不" never count.
import type { Rubric } from '../../../src/feedback/rubrics.js';
import { languageBit, type Language } from './languages.js';
import { negationFor, type NegationCheck } from './negation.js';
import { clauseIndexAt, type PreparedText } from './text.js';

/** What a negated cue means instead: another rubric with a weight, or nothing ('drop'). */
export type NegatedReading = { rubric: Rubric; weight: number } | 'drop';

export interface CueSpec {
  /** null: a neutral idiom that only claims its span (e.g. "my bad", "不好意思"). */
  rubric: Rubric | null;
  /** Regular expression source, matched against the normalised text (lower case). */
  pattern: string;
  /** Strength of the signal, in rough log-odds units; the scorer sums them. */
  weight: number;
  /** Reading when negated; default 'drop'. 'fixed' means negation is part of the phrase and is not checked. */
  negated?: NegatedReading | 'fixed';
  /** Only counts when the match starts its clause. */
  clauseStart?: boolean;
  /** Short tag naming the cue, for evidence and debugging. */
  tag?: string;
  /** A weak hint ("!", a bare "yes"): adds to the score, but is not reported as a rubric on its own. */
  hint?: boolean;
}

export interface CompiledCue extends CueSpec {
  re: RegExp;
  lang: Language;
  /** The language's bit: the cue runs only on texts that plausibly are in its language (languages.ts). */
  bit: number;
  negation: NegationCheck;
}

export interface CueHit {
  rubric: Rubric;
  weight: number;
  start: number;
  end: number;
  /** Index of the clause the hit is in. */
  clause: number;
  negated: boolean;
  tag: string;
  hint?: boolean;
}

/** English and Chinese patterns are plain; the others may use Unicode classes (\\p{L}) and need the u flag. */
export function compileCues(specs: readonly CueSpec[], lang: Language): CompiledCue[] {
  const flags = lang === 'en' || lang === 'zh' ? 'g' : 'gu';
  const bit = languageBit(lang);
  const negation = negationFor(lang);
  return specs.map((s) => ({ ...s, lang, bit, negation, re: new RegExp(s.pattern, flags) }));
}

/** All cue hits in the text; cues earlier in `cues` win overlaps. */
export function matchCues(text: PreparedText, cues: readonly CompiledCue[]): CueHit[] {
  const hits: CueHit[] = [];
  const claimed: [number, number][] = [];
  const { norm, clauses } = text;
  for (const cue of cues) {
    if ((text.langs & cue.bit) === 0) continue;
    const re = cue.re;
    re.lastIndex = 0;
    for (let m = re.exec(norm); m; m = re.exec(norm)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const start = m.index;
      const end = start + m[0].length;
      if (overlaps(claimed, start, end)) continue;
      // English patterns use ASCII \b, which sees a boundary inside "útil" or "größer": not a word of theirs
      if (cue.lang === 'en' && text.nonAscii && letterAround(norm, start, end)) continue;
      // emoticons such as ":)" sit on clause punctuation: attach them to the clause before
      let clauseIndex = clauseIndexAt(clauses, start);
      if (clauseIndex < 0) clauseIndex = precedingClause(clauses, start);
      const clause = clauses[clauseIndex];
      if (!clause) continue;
      if (cue.clauseStart && norm.slice(clause.start, start).trim() !== '') continue;
      claimed.push([start, end]);
      if (cue.rubric === null) continue;
      let negated = false;
      if (cue.negated !== 'fixed') {
        negated = cue.negation(norm, clause.start, clause.end, start, end);
      }
      const tag = cue.tag ?? m[0];
      if (!negated) {
        if (cue.weight > 0) hits.push({ rubric: cue.rubric, weight: cue.weight, start, end, clause: clauseIndex, negated, tag, ...(cue.hint ? { hint: true } : {}) });
      } else if (cue.negated && cue.negated !== 'drop' && cue.negated !== 'fixed') {
        hits.push({ rubric: cue.negated.rubric, weight: cue.negated.weight, start, end, clause: clauseIndex, negated, tag: `not ${tag}` });
      }
    }
  }
  return hits;
}

const LETTER_RE = /[\p{L}\p{M}]/u;

function letterAround(norm: string, start: number, end: number): boolean {
  return (start > 0 && LETTER_RE.test(norm[start - 1] as string)) || (end < norm.length && LETTER_RE.test(norm[end] as string));
}

function overlaps(spans: [number, number][], s: number, e: number): boolean {
  for (const [a, b] of spans) if (s < b && e > a) return true;
  return false;
}

function precedingClause(clauses: PreparedText['clauses'], at: number): number {
  let found = 0;
  for (let i = 0; i < clauses.length; i++) if ((clauses[i] as { start: number }).start <= at) found = i;
  return found;
}
