// Text preparation for the local detector: a length-preserving normalisation (so every offset found in the
// normalised text is also an offset into the user's original message) and a split into clauses, the unit
// that negation and contrast ("thanks, but ...") work on.
import { contrastMarkers, isMarkerWord, plausibleLanguages } from './languages.js';

export type Script = 'latin' | 'cjk' | 'mixed' | 'none';

export interface Clause {
  /** Offsets into the (normalised and original) text, end exclusive. */
  start: number;
  end: number;
  /** The clause starts with, or follows, a contrast marker ("but", "however", "但是", "不过" ...). */
  afterContrast: boolean;
}

export interface PreparedText {
  original: string;
  /** Lower-cased, full-width ASCII folded to half-width, typographic quotes folded; same length as original. */
  norm: string;
  clauses: Clause[];
  script: Script;
  hasLatin: boolean;
  hasCjk: boolean;
  /** Letters outside ASCII and CJK ideographs (accented Latin, Cyrillic, kana, Hangul, Arabic ...). */
  hasOther: boolean;
  /** Some character is outside ASCII. */
  nonAscii: boolean;
  /** Bit set of the languages the text plausibly is in (languages.ts); a cue runs only when its bit is set. */
  langs: number;
}

const CJK_RE = /[\u3400-\u9fff\uf900-\ufaff]/;
const KANA_RE = /[\u3040-\u30ff]/;
const LATIN_RE = /[a-z]/;
// non-ASCII letters outside CJK ideographs, plus emoji and emoticon characters
const OTHER_LETTER_RE = /[\u00c0-\u024f\u0370-\u06ff\u2600-\u27bf\u3040-\u30ff\uac00-\ud7af\ud83c-\ud83e:;<!]/;

const ASCII_ONLY_RE = /^[\x00-\x7f]*$/;

/** Lower-case and fold look-alike characters without ever changing the string's length. */
export function normalizeText(s: string, asciiOnly = ASCII_ONLY_RE.test(s)): string {
  // plain ASCII (most turns): the built-in lower-casing is length-preserving there and far cheaper
  if (asciiOnly) return s.toLowerCase();
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 128) {
      out += code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : (s[i] as string);
    } else if (code >= 0xff01 && code <= 0xff5e) {
      const half = code - 0xfee0; // full-width ASCII: ！？，（ ...
      out += half >= 65 && half <= 90 ? String.fromCharCode(half + 32) : String.fromCharCode(half);
    } else if (code === 0x2018 || code === 0x2019 || code === 0x02bc || code === 0x2032) {
      out += "'";
    } else if (code === 0x201c || code === 0x201d) {
      out += '"';
    } else if (code === 0x3000 || code === 0x00a0) {
      out += ' ';
    } else {
      const ch = s[i] as string;
      const lower = ch.toLowerCase();
      out += lower.length === 1 ? lower : ch;
    }
  }
  return out;
}

// Clause breaks: clause and sentence punctuation (ASCII after folding, plus CJK marks that do not fold) and
// line breaks. A '.' or ':' between digits ("12.30", "10:15") is not a break.
const BREAK_CHARS = new Set([',', '.', '!', '?', ';', ':', '\n', '。', '、', '；', '…', '~', '～']);

// Contrast markers start a new clause that is flagged afterContrast. (不但 "not only" is not a contrast.)
const CONTRAST_RE = /\b(?:but|however|though|although|except|nevertheless)\b|但是|(?<!不)但|不过|可是|然而/g;

export function splitClauses(norm: string, moreContrast: readonly RegExp[] = []): Clause[] {
  const cuts: { at: number; contrast: boolean }[] = [{ at: 0, contrast: false }];
  for (let i = 0; i < norm.length; i++) {
    const ch = norm[i] as string;
    if (!BREAK_CHARS.has(ch)) continue;
    if ((ch === '.' || ch === ':') && i > 0 && i + 1 < norm.length && isDigit(norm.charCodeAt(i - 1)) && isDigit(norm.charCodeAt(i + 1))) continue;
    cuts.push({ at: i + 1, contrast: false });
  }
  CONTRAST_RE.lastIndex = 0;
  for (let m = CONTRAST_RE.exec(norm); m; m = CONTRAST_RE.exec(norm)) cuts.push({ at: m.index, contrast: true });
  for (const re of moreContrast) {
    re.lastIndex = 0;
    for (let m = re.exec(norm); m; m = re.exec(norm)) cuts.push({ at: m.index, contrast: true });
  }
  cuts.sort((a, b) => a.at - b.at || Number(a.contrast) - Number(b.contrast));
  const clauses: Clause[] = [];
  let pendingContrast = false;
  for (let k = 0; k < cuts.length; k++) {
    const cut = cuts[k] as { at: number; contrast: boolean };
    const next = cuts[k + 1];
    pendingContrast = pendingContrast || cut.contrast;
    let s = cut.at;
    let e = next ? next.at : norm.length;
    while (s < e && isSpaceOrBreak(norm[s] as string)) s++;
    while (e > s && isSpaceOrBreak(norm[e - 1] as string)) e--;
    if (e > s) {
      clauses.push({ start: s, end: e, afterContrast: pendingContrast });
      pendingContrast = false;
    }
  }
  if (clauses.length === 0 && norm.trim() !== '') {
    // only punctuation and symbols (":(", "!!!"): one clause over the trimmed text
    const s = norm.length - norm.trimStart().length;
    clauses.push({ start: s, end: norm.trimEnd().length, afterContrast: false });
  }
  return clauses;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpaceOrBreak(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '"' || ch === '(' || ch === ')' || BREAK_CHARS.has(ch);
}

export function prepareText(original: string): PreparedText {
  const nonAscii = !ASCII_ONLY_RE.test(original);
  const norm = normalizeText(original, !nonAscii);
  const hasCjk = CJK_RE.test(norm);
  const hasLatin = LATIN_RE.test(norm);
  const script: Script = hasCjk && hasLatin ? 'mixed' : hasCjk ? 'cjk' : hasLatin ? 'latin' : 'none';
  const hasOther = OTHER_LETTER_RE.test(norm);
  const langs = plausibleLanguages(norm, { hasLatin, hasCjk, hasOther, nonAscii });
  return { original, norm, clauses: splitClauses(norm, contrastMarkers(langs)), script, hasLatin, hasCjk, hasOther, nonAscii, langs };
}

/** Index of the clause holding offset `at`, or -1. */
export function clauseIndexAt(clauses: readonly Clause[], at: number): number {
  for (let i = 0; i < clauses.length; i++) {
    const c = clauses[i] as Clause;
    if (at >= c.start && at < c.end) return i;
  }
  return -1;
}

const WORD_RE = /[a-z0-9]+(?:'[a-z]+)?/g;
// Letters of space-separated scripts: Latin with accents, Greek, Cyrillic, Hebrew, Arabic, Hangul (CJK and kana
// are not space-separated and get bigrams instead, see contentUnits).
const ANY_WORD_RE = /[a-z0-9\u00c0-\u024f\u1e00-\u1eff\u0370-\u06ff\u1100-\u11ff\uac00-\ud7af]+(?:'[a-z]+)?/g;

/** Word tokens of a normalised string (Latin script, and other space-separated scripts when present). */
export function wordTokens(norm: string): string[] {
  return norm.match(ASCII_ONLY_RE.test(norm) ? WORD_RE : ANY_WORD_RE) ?? [];
}

const STOPWORDS = new Set(
  (
    "a an the and or of to in on at for with from by is are was were be been am do does did i me my you your it its " +
    "this that these those we our us can could would should will please just also so as if then there here what " +
    "which who how when where any some have has had get got need want like i'm i'd i'll im id no not yes ok okay " +
    "thanks thank one " +
    // frequent short function words of other languages (longer ones are languages.ts marker words)
    'de la le el il lo en et es un le les des du der die das den dem und ich du на не что это как мне для по из то ли'
  ).split(' '),
);

/**
 * Content units of a normalised string for similarity: Latin-script words minus stop words, and CJK character
 * bigrams (Chinese has no spaces, so bigrams stand in for words).
 */
export function contentUnits(norm: string): Set<string> {
  const out = new Set<string>();
  for (const w of wordTokens(norm)) if (w.length > 1 && !STOPWORDS.has(w) && !isMarkerWord(w)) out.add(w);
  if (!CJK_RE.test(norm) && !KANA_RE.test(norm)) return out;
  let prev = '';
  for (let i = 0; i < norm.length; i++) {
    const code = norm.charCodeAt(i);
    if ((code >= 0x3400 && code <= 0x9fff) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0x3040 && code <= 0x30ff)) {
      const ch = norm[i] as string;
      if (prev) out.add(prev + ch);
      prev = ch;
    } else {
      prev = '';
    }
  }
  return out;
}
