// MinHash over word shingles, with LSH banding: the near-duplicate test without comparing a candidate to every
// earlier pair. A signature is NUM_HASHES minima of seeded 32-bit hashes over the shingle set; the share of
// equal minima estimates the Jaccard similarity of two sets. Signatures are cut into BANDS bands of ROWS rows;
// two texts share at least one band with probability 1 - (1 - s^ROWS)^BANDS (s = their similarity): with
// 32 x 4, 1.00 at s = 0.9, 0.87 at 0.5, 0.23 at 0.3, so any INSITU_PAIR_DEDUP_JACCARD from about 0.5 up finds
// its duplicates, and a shared band is then verified against the stored signature.
import { digest } from '../../../src/ids.js';

export const NUM_HASHES = 128;
export const BANDS = 32;
export const ROWS = NUM_HASHES / BANDS;
/** Words per shingle (CJK ideographs count as one word each: Chinese has no spaces). */
export const SHINGLE_WORDS = 3;

export type Signature = Uint32Array;

/** NFKC, lower case, single spaces: what "the same text" means for exact and near duplicates. */
export function normaliseForDedup(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

const WORD_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}_]+/gu;

/** Word 3-gram shingles of one text, each prefixed with `part` so shingles of different parts never match. */
export function shingles(text: string, part: string): string[] {
  const words = normaliseForDedup(text).match(WORD_RE) ?? [];
  if (words.length === 0) return [];
  if (words.length < SHINGLE_WORDS) return [`${part}|${words.join(' ')}`];
  const out: string[] = [];
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) out.push(`${part}|${words.slice(i, i + SHINGLE_WORDS).join(' ')}`);
  return out;
}

/** FNV-1a over UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** murmur3's finaliser: a strong 32-bit mix, so fmix(x ^ seed) behaves as an independent hash per seed. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// Fixed seeds: signatures stored by one process must be comparable with those of every other and of the next
// release, so they are never random.
const SEEDS = Uint32Array.from({ length: NUM_HASHES }, (_, i) => fmix(0x9e3779b9 * (i + 1)));

/** The MinHash signature of a shingle set; null for an empty set (nothing to compare). */
export function signature(shingleSet: Iterable<string>): Signature | null {
  const sig = new Uint32Array(NUM_HASHES).fill(0xffffffff);
  let any = false;
  for (const shingle of new Set(shingleSet)) {
    any = true;
    const base = fnv1a(shingle);
    for (let i = 0; i < NUM_HASHES; i++) {
      const h = fmix(base ^ SEEDS[i]!);
      if (h < sig[i]!) sig[i] = h;
    }
  }
  return any ? sig : null;
}

/** Estimated Jaccard similarity: the share of positions where the minima agree. */
export function similarity(a: Signature, b: Signature): number {
  let same = 0;
  for (let i = 0; i < NUM_HASHES; i++) if (a[i] === b[i]) same++;
  return same / NUM_HASHES;
}

/** One short digest per band: equal digests mean the band's rows are equal. */
export function bandDigests(sig: Signature): string[] {
  return Array.from({ length: BANDS }, (_, band) => digest(Array.from(sig.subarray(band * ROWS, (band + 1) * ROWS)).join(',')));
}

/** Little-endian base64, the same on every platform. */
export function encodeSignature(sig: Signature): string {
  const bytes = Buffer.alloc(sig.length * 4);
  sig.forEach((v, i) => bytes.writeUInt32LE(v, i * 4));
  return bytes.toString('base64');
}

/** Null when the stored text is not a signature (another version, corruption): such an entry is ignored. */
export function decodeSignature(text: string): Signature | null {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== NUM_HASHES * 4) return null;
  const sig = new Uint32Array(NUM_HASHES);
  for (let i = 0; i < NUM_HASHES; i++) sig[i] = bytes.readUInt32LE(i * 4);
  return sig;
}
