// Which languages a follow-up plausibly is in, so that each language's cues run only on text that could hold
// them and English text pays next to nothing for the other lexicons. Scripts decide for Cyrillic, kana,
// Hangul and Arabic; Latin-script languages are recognised by their own letters (ä, ñ, ç, ą, ơ ...) or by a
// few frequent words of their own (function words and the commonest feedback words, chosen not to be
// English words). A false "maybe" only costs time: every cue still has to match.

export const LANGUAGES = ['en', 'zh', 'de', 'fr', 'es', 'pt', 'it', 'ru', 'ja', 'ko', 'tr', 'pl', 'nl', 'id', 'vi', 'ar', 'any'] as const;
export type Language = (typeof LANGUAGES)[number];

/** One bit per language; a text's plausible languages are the OR of their bits. */
export function languageBit(lang: Language): number {
  return 1 << LANGUAGES.indexOf(lang);
}

const BIT = Object.fromEntries(LANGUAGES.map((l) => [l, languageBit(l)])) as Record<Language, number>;

// Frequent words per Latin-script language, ASCII spellings included (users often drop accents).
const MARKER_WORDS: Record<string, string> = {
  de: 'ich du nicht ist und das dass danke bitte nein sehr auch aber kein keine keinen mir mich dich sie wir ein eine einen nochmal noch mal gut falsch richtig schon doch genau stimmt funktioniert klappt verstanden vergiss vielen dankeschön schlecht nutzlos perfekt hilft geholfen wusste kürzer genauer prima klasse wunderbar passt egal quatsch unsinn',
  fr: "je j'ai tu vous c'est n'est pas merci oui mais très tres ça bien avec une des les mon ma cette faux juste parfait trop génial genial d'accord laisse tomber savais nul réessaie recommence réécris mdr marche fonctionne compris",
  es: 'gracias que por para pero es está esta muy sí una bien bueno gracias vale perfecto genial otra vez mal correcto incorrecto funciona entiendo entendido olvídalo olvidalo déjalo dejalo inútil inutil excelente mejor jaja equivocado funcionó entendí útil',
  pt: 'obrigado obrigada obg não nao que por para mas muito está você voce isso uma bem também tambem certo errado funciona funcionou entendi ótimo otimo valeu perfeito esquece adorei ajudou kkk legal tente novo novamente',
  it: 'grazie niente che è sono questo questa molto bene perfetto della gli una anche però pero ciao sbagliato giusto funziona capito ottimo sapevo perdere riprova lascia inutile ahah favore italiano',
  tr: 'teşekkürler teşekkür tesekkurler tesekkur sağol sagol bir ve bu çok cok değil degil için icin evet hayır hayir tamam ama yanlış yanlis doğru dogru harika iyi mükemmel süper berbat kötü olmadı çalışmadı anladım deneyeceğim yaramadı yaramadi',
  pl: 'dzięki dziękuję dziekuje dzieki nie jest że się sie bardzo dobrze proszę prosze czy tak ale źle zle świetnie swietnie działa pomogło nieźle zapomnij',
  nl: 'bedankt dank het een ik dat wat maar goed niet geen nee jij mij zeer fout klopt werkt dankjewel geweldig laat slecht opnieuw nuttig graag korter',
  id: 'terima kasih makasih tidak ini itu yang saya aku bisa tolong sudah tapi bagus benar salah nggak gak juga lebih mantap keren lumayan berhasil membantu lupakan terimakasih',
  vi: 'khong',
};
const WORD_LANGS = new Map<string, number>();
for (const [lang, words] of Object.entries(MARKER_WORDS)) {
  for (const w of words.split(' ')) WORD_LANGS.set(w, (WORD_LANGS.get(w) ?? 0) | BIT[lang as Language]);
}

/** A frequent word of some Latin-script language (function words mostly): not a content word. */
export function isMarkerWord(w: string): boolean {
  return WORD_LANGS.has(w);
}

// Letters that only (or mostly) some Latin-script languages use, with the evidence each gives (a frequent
// word counts 1).
const LETTER_LANGS: [RegExp, Language[], number][] = [
  [/ß/, ['de'], 1],
  [/[äöü]/, ['de', 'tr'], 0.5],
  [/[éèêàçùœâîôëï]/, ['fr', 'pt', 'it', 'es'], 0.5],
  [/[ñ¿¡]/, ['es'], 1],
  [/[áíóú]/, ['es', 'pt', 'it'], 0.5],
  [/[ãõ]/, ['pt'], 1],
  [/[ğış]/, ['tr'], 1],
  [/[ąćęłńśźż]/, ['pl'], 1],
  [/[ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/, ['vi'], 1],
];
const LATIN_LANGS = ['de', 'fr', 'es', 'pt', 'it', 'tr', 'pl', 'nl', 'id', 'vi'] as const satisfies readonly Language[];

const KANA_RE = /[\u3040-\u30ff]/;
const HANGUL_RE = /[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]/;
const CYRILLIC_RE = /[\u0400-\u04ff]/;
const ARABIC_RE = /[\u0600-\u06ff]/;
const NON_ASCII_LATIN_RE = /[\u00c0-\u024f\u1e00-\u1eff]/;
const MARKER_SCAN_CHARS = 300;
const LATIN_WORD_RE = /[a-z\u00c0-\u024f\u1e00-\u1eff']+/g;

export interface ScriptFlags {
  hasLatin: boolean;
  hasCjk: boolean;
  /** Any character outside ASCII. */
  nonAscii: boolean;
  /** Emoji, emoticon punctuation or non-Latin letters: what the language-neutral cues look for. */
  hasOther: boolean;
}

/** Bit set of the languages a normalised text plausibly is in (see languageBit). */
export function plausibleLanguages(norm: string, f: ScriptFlags): number {
  let langs = 0;
  if (f.hasLatin) langs |= BIT.en;
  if (f.hasOther || f.hasLatin) langs |= BIT.any;
  if (f.nonAscii) {
    const kana = KANA_RE.test(norm);
    if (kana) langs |= BIT.ja;
    // Japanese writes with kanji too; Chinese never uses kana, so kana means the CJK cues are not Chinese
    if (f.hasCjk && !kana) langs |= BIT.zh;
    if (HANGUL_RE.test(norm)) langs |= BIT.ko;
    if (CYRILLIC_RE.test(norm)) langs |= BIT.ru;
    if (ARABIC_RE.test(norm)) langs |= BIT.ar;
  }
  if (f.hasLatin) langs |= latinLanguages(norm, f.nonAscii);
  return langs;
}

/**
 * Latin-script languages other than English: evidence from marker words and letters, and the best-supported
 * ones win, so a Spanish sentence does not also run the Portuguese and Italian cues because of one shared word
 * or accent ("non è utile" is Italian, not French).
 */
function latinLanguages(norm: string, nonAscii: boolean): number {
  let evidence: Map<Language, number> | null = null;
  const add = (lang: Language, x: number) => {
    evidence ??= new Map();
    evidence.set(lang, (evidence.get(lang) ?? 0) + x);
  };
  LATIN_WORD_RE.lastIndex = 0;
  // the opening and the close of a message (where feedback sits) tell its language; pasted material between
  // them need not be read
  const tail = Math.max(MARKER_SCAN_CHARS, norm.length - MARKER_SCAN_CHARS / 2);
  for (let m = LATIN_WORD_RE.exec(norm); m; m = LATIN_WORD_RE.exec(norm)) {
    if (m.index >= MARKER_SCAN_CHARS && m.index < tail) {
      LATIN_WORD_RE.lastIndex = tail;
      continue;
    }
    const bits = WORD_LANGS.get(m[0]);
    if (bits !== undefined) for (const l of LATIN_LANGS) if (bits & BIT[l]) add(l, 1);
  }
  if (nonAscii && NON_ASCII_LATIN_RE.test(norm)) {
    for (const [re, ls, x] of LETTER_LANGS) if (re.test(norm)) for (const l of ls) add(l, x);
  }
  if (evidence === null) return 0;
  const found: Map<Language, number> = evidence;
  const best = Math.max(...found.values());
  let langs = 0;
  for (const [l, x] of found) if (x >= best * 0.5) langs |= BIT[l];
  return langs;
}

const EN_ZH_ANY = BIT.en | BIT.zh | BIT.any;

/** True when some language other than English and Chinese is plausible. */
export function beyondEnglishAndChinese(langs: number): boolean {
  return (langs & ~EN_ZH_ANY) !== 0;
}

/** A regular-expression source matching any of the alternatives as whole words in any script (needs the u flag). */
export const wordPattern = (alternatives: string) => `(?<![\\p{L}\\p{M}])(?:${alternatives})(?![\\p{L}\\p{M}])`;
const word = wordPattern;

// Contrast markers of the other languages ("thanks, but ..."); English and Chinese ones live in text.ts.
const CONTRAST_BY_LANG: Partial<Record<Language, RegExp>> = {
  de: new RegExp(word('aber|jedoch|allerdings|trotzdem'), 'gu'),
  fr: new RegExp(word('mais|cependant|pourtant|toutefois|sauf que'), 'gu'),
  es: new RegExp(word('pero|sin embargo|aunque|excepto'), 'gu'),
  pt: new RegExp(word('mas|porém|porem|entretanto|contudo|no entanto'), 'gu'),
  it: new RegExp(word('ma|però|pero|tuttavia|comunque'), 'gu'),
  ru: new RegExp(word('но|однако|хотя|зато|только вот'), 'gu'),
  ja: /でも|しかし|けど|けれど|だが|ですが|ただし/g,
  ko: /하지만|그런데|근데|그러나|그렇지만/g,
  tr: new RegExp(word('ama|fakat|ancak|lakin'), 'gu'),
  pl: new RegExp(word('ale|jednak|lecz|natomiast'), 'gu'),
  nl: new RegExp(word('maar|echter|toch'), 'gu'),
  id: new RegExp(word('tapi|tetapi|namun|akan tetapi'), 'gu'),
  vi: new RegExp(word('nhưng|tuy nhiên|nhưng mà'), 'gu'),
  ar: /لكن|ولكن|لكنه|غير أن/g,
};

const CONTRAST_LIST = Object.entries(CONTRAST_BY_LANG).map(([lang, re]) => ({ bit: BIT[lang as Language], re }));
const CONTRAST_MASK = CONTRAST_LIST.reduce((m, c) => m | c.bit, 0);
const NO_MARKERS: readonly RegExp[] = [];

/** Contrast-marker expressions for the plausible languages other than English and Chinese. */
export function contrastMarkers(langs: number): readonly RegExp[] {
  if ((langs & CONTRAST_MASK) === 0) return NO_MARKERS;
  return CONTRAST_LIST.filter((c) => (langs & c.bit) !== 0).map((c) => c.re);
}
