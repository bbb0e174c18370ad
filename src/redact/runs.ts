// Number-like detectors (phones, cards) match a whole run of digit groups first, then look inside it for the
// numbers: leftmost-longest windows of space-separated chunks. A run can hold a time, a count or two numbers
// side by side ("at 10:30 555-123-4567", "555-123-4567 4111 1111 1111 1111"). Windows are bounded, so
// the search is linear in the run's length.

export interface SpanSearch {
  /** The most space-separated chunks one number spans. */
  maxChunks: number;
  /** Digits one number holds: windows outside the range are skipped without calling `accept`. */
  minDigits: number;
  maxDigits: number;
  /** Whether a window of several chunks may start with this chunk (cards: a block of 4). */
  opensGroup?: (chunk: string) => boolean;
  accept: (text: string) => boolean;
}

const digitCount = (s: string, from: number, to: number) => {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) n++;
  return n;
};

/** [start, end) offsets in `run` of the windows `accept` takes. */
export function acceptedSpans(run: string, search: SpanSearch): [number, number][] {
  const chunks: [number, number][] = [];
  let start = 0;
  for (let i = run.indexOf(' '); i >= 0; i = run.indexOf(' ', start)) {
    chunks.push([start, i]);
    start = i + 1;
  }
  chunks.push([start, run.length]);
  const digits = chunks.map(([s, e]) => digitCount(run, s, e));
  const spans: [number, number][] = [];
  for (let i = 0; i < chunks.length; ) {
    const multi = !search.opensGroup || search.opensGroup(run.slice(chunks[i]![0], chunks[i]![1]));
    const last = Math.min(chunks.length, i + (multi ? search.maxChunks : 1));
    // Digits of windows [i, j) for j = i+1..last; try the longest first.
    const sums: number[] = [];
    for (let j = i, sum = 0; j < last; j++) sums.push((sum += digits[j]!));
    let found = 0;
    for (let j = last; j > i; j--) {
      const n = sums[j - i - 1]!;
      if (n < search.minDigits || n > search.maxDigits) continue;
      if (search.accept(run.slice(chunks[i]![0], chunks[j - 1]![1]))) {
        found = j;
        break;
      }
    }
    if (found) {
      spans.push([chunks[i]![0], chunks[found - 1]![1]]);
      i = found;
    } else i++;
  }
  return spans;
}

/** `run` with each accepted span replaced by `placeholder`; `hit` once per replacement. */
export function replaceSpans(run: string, spans: [number, number][], placeholder: string, hit: () => void): string {
  if (spans.length === 0) return run;
  let out = '';
  let at = 0;
  for (const [s, e] of spans) {
    out += run.slice(at, s) + placeholder;
    at = e;
    hit();
  }
  return out + run.slice(at);
}
