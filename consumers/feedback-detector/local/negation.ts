// Negation scope: is a cue negated by what comes around it in the same clause? One function per language
// family, chosen by the cue's language (negationFor). Idioms that contain a negator ("no problem", "pas mal",
// "nicht schlecht", "de nada") are matched whole before this check runs.
// - English looks back up to three words ("not very helpful"); a bare "no" only negates the word right after it
//   ("no help"), so "no, thanks" is not a negation.
// - Other space-separated languages: negator words before the cue (German nicht/kein, French ne/pas, Spanish
//   and Portuguese no/não, Italian non, Russian не, ...), and for verb-second languages a negator right after
//   it ("hilft nicht", "ça marche pas", "werkt niet", "doğru değil").
// - Chinese looks at the characters right before the cue, allowing one degree word (不太好).
// - Japanese negates after the stem (役に立ちません, 正しくない); Korean before (안 돼, 못 해) or after (좋지 않아).
import type { Language } from './languages.js';

/** Is the cue at [start, end) negated, given its clause [clauseStart, clauseEnd)? */
export type NegationCheck = (norm: string, clauseStart: number, clauseEnd: number, start: number, end: number) => boolean;

const EN_NEGATORS = new Set([
  'not', 'never', 'hardly', 'barely', 'nothing', 'neither', 'nor', 'without', 'cannot', 'nobody', 'none',
  "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "won't", "wouldn't", "can't", "couldn't",
  "shouldn't", "haven't", "hasn't", "hadn't", "ain't", 'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt',
  'wont', 'wouldnt', 'cant', 'couldnt', 'havent', 'hasnt',
]);

const WORD_BEFORE_RE = /([a-z']+)[^a-z']*$/;

/** True when the English cue starting at `at` is negated within its clause (which starts at `clauseStart`). */
export function negatedEn(norm: string, clauseStart: number, _clauseEnd: number, at: number): boolean {
  let end = at;
  for (let k = 0; k < 3; k++) {
    const m = WORD_BEFORE_RE.exec(norm.slice(clauseStart, end));
    if (!m) return false;
    const w = m[1] as string;
    if (EN_NEGATORS.has(w)) return true;
    if (w === 'no' && k === 0 && norm.slice(clauseStart, clauseStart + m.index).trim() !== '') return true;
    end = clauseStart + m.index;
  }
  return false;
}

const ZH_NEGATORS = ['不', '没', '没有', '别', '未', '无', '非', '不是', '并不', '一点也不', '一点都不'];
const ZH_DEGREE = ['太', '很', '那么', '够', '怎么', '是很', '大'];

/** True when the Chinese cue starting at `at` is negated by the characters right before it. */
export function negatedZh(norm: string, clauseStart: number, _clauseEnd: number, at: number): boolean {
  const window = norm.slice(Math.max(clauseStart, at - 5), at);
  for (const n of ZH_NEGATORS) if (window.endsWith(n)) return true;
  for (const d of ZH_DEGREE) {
    if (!window.endsWith(d)) continue;
    const rest = window.slice(0, -d.length);
    if (ZH_NEGATORS.some((n) => rest.endsWith(n))) return true;
  }
  return false;
}

interface WordNegation {
  /** Negators that negate a cue up to `window` words after them. */
  before: ReadonlySet<string>;
  window: number;
  /** Negators that negate the cue right before them (verb-second: "funktioniert nicht"). */
  after?: ReadonlySet<string>;
}

const words = (s: string) => new Set(s.split(' '));
const WORD_RULES: Partial<Record<Language, WordNegation>> = {
  de: { before: words('nicht nich kein keine keinen keinem keiner keines nie niemals nichts kaum ohne weder'), window: 3, after: words('nicht nich') },
  fr: { before: words("pas ne n' jamais rien aucun aucune sans guère nullement"), window: 3, after: words('pas jamais rien') },
  es: { before: words('no nunca nada ni tampoco sin jamás jamas'), window: 3 },
  pt: { before: words('não nao nunca nem nada sem jamais'), window: 3 },
  it: { before: words('non mai né ne nessun nessuno niente nulla senza mica'), window: 3 },
  ru: { before: words('не ни нет без никак нисколько ничуть совсем'), window: 2 },
  pl: { before: words('nie ani bez nigdy wcale'), window: 2 },
  nl: { before: words('niet geen nooit niks niets zonder'), window: 3, after: words('niet') },
  tr: { before: words('hiç hic'), window: 1, after: words('değil degil') },
  id: { before: words('tidak tak bukan belum gak nggak enggak ga kurang'), window: 2 },
  vi: { before: words('không chẳng chả chưa đừng ko'), window: 2 },
  ar: { before: words('لا ليس ليست غير لم لن ما مش مو'), window: 2 },
};

const UWORD_BEFORE_RE = /([\p{L}\p{M}']+)[^\p{L}\p{M}']*$/u;
const UWORD_AFTER_RE = /^[^\p{L}\p{M}']*([\p{L}\p{M}']+)/u;

function negatedByWords(rule: WordNegation): NegationCheck {
  return (norm, clauseStart, clauseEnd, at, end) => {
    let until = at;
    for (let k = 0; k < rule.window; k++) {
      const m = UWORD_BEFORE_RE.exec(norm.slice(clauseStart, until));
      if (!m) break;
      const w = m[1] as string;
      // elided French negation ("n'aide", "n'est") is read as "n'"
      if (rule.before.has(w) || (w.startsWith("n'") && rule.before.has("n'"))) return true;
      until = clauseStart + m.index;
    }
    if (!rule.after) return false;
    const next = UWORD_AFTER_RE.exec(norm.slice(end, clauseEnd));
    return next !== null && rule.after.has(next[1] as string);
  };
}

// Japanese: the negative ending follows the stem the cue stops at (役に立ち|ません, 正し|くない, 分から|ない).
const JA_NEGATION_AFTER_RE = /^(?:く|では|じゃ|で|に|が|は|も)?(?:ない|なかった|なく|なきゃ|ありません|ません|ませんでした|ねぇ|ねー|ず)/;

function negatedJa(norm: string, _clauseStart: number, clauseEnd: number, _at: number, end: number): boolean {
  return JA_NEGATION_AFTER_RE.test(norm.slice(end, Math.min(clauseEnd, end + 8)));
}

// Korean: 안/못 as the word before the cue (안 좋아, 못 알아듣), or 지 않/지 못 after the stem (좋지 않아).
const KO_NEGATION_BEFORE_RE = /(?:^|\s)(?:안|못|전혀|별로 안|하나도 안)\s*$/;
const KO_NEGATION_AFTER_RE = /^\S{0,2}?지\s*(?:않|못|마)/;

function negatedKo(norm: string, clauseStart: number, clauseEnd: number, at: number, end: number): boolean {
  return (
    KO_NEGATION_BEFORE_RE.test(norm.slice(Math.max(clauseStart, at - 8), at)) ||
    KO_NEGATION_AFTER_RE.test(norm.slice(end, Math.min(clauseEnd, end + 6)))
  );
}

const NEVER: NegationCheck = () => false;

/** The negation check for cues of a language; language-neutral cues (emoji) are never negated. */
export function negationFor(lang: Language): NegationCheck {
  if (lang === 'en') return negatedEn;
  if (lang === 'zh') return negatedZh;
  if (lang === 'ja') return negatedJa;
  if (lang === 'ko') return negatedKo;
  const rule = WORD_RULES[lang];
  return rule ? negatedByWords(rule) : NEVER;
}
