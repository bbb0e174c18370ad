// Repeated or rephrased requests: a follow-up that says mostly what the user's previous message said means
// the previous answer did not land (revision), and after an answer that admitted a limitation, that the user
// does not accept it (unrealistic expectation).
import type { DetectionMessage } from '../detector.js';
import { contentUnits, normalizeText } from './text.js';

export interface Repetition {
  /** 0..1: overlap of content words (CJK bigrams) between follow-up and the previous user message. */
  similarity: number;
  /** Size of the smaller of the two content sets: similarity on one or two words means little. */
  support: number;
}

/** The most recent user message in history (before the judged response), if any. */
export function previousUserMessage(history: readonly DetectionMessage[]): string | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i];
    if (m && m.role === 'user' && typeof m.content === 'string' && m.content.trim() !== '') return m.content;
  }
  return null;
}

/**
 * Overlap coefficient |A ∩ B| / min(|A|, |B|) blended with Jaccard, so a short rephrase of a long request and a
 * near-verbatim repeat both score high while a follow-up sharing one topic word with it does not.
 */
export function measureRepetition(followUpNorm: string, previous: string | null): Repetition {
  if (!previous) return { similarity: 0, support: 0 };
  const a = contentUnits(followUpNorm);
  const b = contentUnits(normalizeText(previous));
  const small = Math.min(a.size, b.size);
  if (small === 0) return { similarity: 0, support: 0 };
  let inter = 0;
  const [x, y] = a.size <= b.size ? [a, b] : [b, a];
  for (const t of x) if (y.has(t)) inter++;
  const overlap = inter / small;
  const jaccard = inter / (a.size + b.size - inter);
  return { similarity: 0.5 * overlap + 0.5 * jaccard, support: small };
}
