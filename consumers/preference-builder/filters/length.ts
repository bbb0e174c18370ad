// Length and emptiness: a pair is worth nothing to training when its chosen or rejected response is empty,
// when they are the same, when there is no user query to answer, or when either side (prompt plus chosen,
// prompt plus rejected: DPO trains on both sequences) is too long to train on.
import type { FilterResult } from '../../../src/events/preference.js';
import type { FilterCandidate } from './candidate.js';

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Lengths are counted in UTF-16 code units (String#length), as INSITU_PAIR_MAX_CHARS documents characters. */
export function checkLength(candidate: FilterCandidate, options: { maxChars: number }): FilterResult {
  const drop = (detail: string): FilterResult => ({ filter: 'length', verdict: 'drop', detail });
  const chosen = squash(candidate.chosen);
  if (chosen === '') return drop('empty chosen');
  if (candidate.rejected !== null && squash(candidate.rejected) === '') return drop('empty rejected');
  if (candidate.rejected !== null && chosen === squash(candidate.rejected)) return drop('chosen equals rejected');
  if (!candidate.prompt.some((m) => m.role === 'user' && m.content.trim() !== '')) return drop('no user message');
  const promptChars = candidate.prompt.reduce((n, m) => n + m.content.length, 0);
  for (const [side, text] of [['chosen', candidate.chosen], ['rejected', candidate.rejected]] as const) {
    const chars = text === null ? 0 : promptChars + text.length;
    if (chars > options.maxChars) return drop(`too long: prompt + ${side} ${chars} > ${options.maxChars} chars`);
  }
  return { filter: 'length', verdict: 'pass', detail: null };
}
