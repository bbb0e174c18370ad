// Local TF-IDF vectors, the stand-in for an embeddings endpoint: words (CJK ideographs one by one, as Chinese
// has no spaces), sublinear term frequency, idf = ln(N / df) so a word every document shares (like "The user
// prefers" in every preference) weighs nothing, then L2 normalised.
import type { SparseVector } from './vectors.js';
import { normalise } from './vectors.js';

const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}_]+/gu;
/** The most frequent terms kept (by document frequency): bounds centroid size on big test sets. */
const MAX_TERMS = 8192;

export function terms(text: string): string[] {
  return (text.normalize('NFKC').toLowerCase().match(WORD) ?? []).filter((w) => w.length > 1 || /\p{Script=Han}/u.test(w));
}

export interface TfIdf {
  vocabulary: string[];
  vectors: SparseVector[];
}

export function tfidf(texts: readonly string[]): TfIdf {
  const bags = texts.map((t) => {
    const bag = new Map<string, number>();
    for (const w of terms(t)) bag.set(w, (bag.get(w) ?? 0) + 1);
    return bag;
  });
  const df = new Map<string, number>();
  for (const bag of bags) for (const w of bag.keys()) df.set(w, (df.get(w) ?? 0) + 1);
  const vocabulary = [...df.keys()]
    .sort((a, b) => df.get(b)! - df.get(a)! || (a < b ? -1 : 1))
    .slice(0, MAX_TERMS)
    .sort();
  const index = new Map(vocabulary.map((w, i) => [w, i]));
  const n = texts.length;
  const vectors = bags.map((bag) => {
    const entries = [...bag]
      .map(([w, tf]) => [index.get(w), (1 + Math.log(tf)) * Math.log(n / df.get(w)!)] as const)
      .filter((e): e is readonly [number, number] => e[0] !== undefined && e[1] > 0)
      .sort((a, b) => a[0] - b[0]);
    return normalise({ idx: entries.map((e) => e[0]), val: entries.map((e) => e[1]) });
  });
  return { vocabulary, vectors };
}
