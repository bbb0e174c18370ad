// Sentence hygiene for summarised preferences: the user's words quoted at most ~120 characters, secrets and
// pasted code never copied, first person turned into third, and every sentence complete: capitalised, ending
// with a period, at most ~200 characters.

export const MAX_QUOTE_CHARS = 120;
export const MAX_SENTENCE_CHARS = 200;

const SECRETS: [RegExp, string][] = [
  [/\b(password|passwd|pwd|passcode|token|secret|api[ _-]?key|access[ _-]?key)(\s*[:=]\s*|\s+is\s+)\S+/gi, '$1$2[redacted]'],
  [/\bbearer\s+\S+/gi, 'Bearer [redacted]'],
  [/\b(?:sk|pk|rk)[-_][A-Za-z0-9_-]{8,}/g, '[redacted]'],
  [/\b(?:ghp|gho|ghu|ghs|github_pat|xox[abprs]|AKIA|AIza)[A-Za-z0-9_-]{8,}/g, '[redacted]'],
  [/\/\/[^/@\s]+@/g, '//[redacted]@'],
  [/[\w.+-]+@[\w-]+\.[\w.-]+/g, '[email]'],
  // long opaque runs of letters and digits: keys, hashes, base64
  [/\b(?=[A-Za-z0-9+/_=-]*\d)(?=[A-Za-z0-9+/_=-]*[A-Za-z])[A-Za-z0-9+/_=-]{24,}/g, '[redacted]'],
];

/** The text with anything that looks like a credential, an e-mail address or a key replaced. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [re, replacement] of SECRETS) out = out.replace(re, replacement);
  return out;
}

/** Typographic quotes and apostrophes folded to ASCII, code blocks and inline code removed, spaces collapsed. */
export function plainText(text: string): string {
  return text
    .replace(/[\u2018\u2019\u02bc\u2032]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/```[\s\S]*?(?:```|$)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** At most `max` characters, cut at a word boundary (CJK text at any character), marked with an ellipsis. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.，。、]+$/, '')}…`;
}

/** The user's words made safe to quote: one line, no code, no secrets, double quotes turned single, clipped. */
export function quote(text: string, max: number = MAX_QUOTE_CHARS): string {
  const plain = scrubSecrets(plainText(text)).replace(/"/g, "'").replace(/[\s.!?,;:。！？，；：]+$/, '');
  return clip(plain, Math.max(16, Math.min(max, MAX_QUOTE_CHARS)));
}

const THIRD_PERSON: Record<string, string> = {
  i: 'they',
  "i'm": "they're",
  "i've": "they've",
  "i'd": "they'd",
  "i'll": "they'll",
  me: 'them',
  my: 'their',
  mine: 'theirs',
  myself: 'themselves',
  your: 'its',
  yourself: 'itself',
};

/** The user's clause in the third person ("tell me my options" -> "tell them their options"). */
export function thirdPerson(clause: string): string {
  return clause
    .replace(/\bI am\b/gi, 'they are')
    .replace(/\bI was\b/gi, 'they were')
    .replace(/\b(?:i'm|i've|i'd|i'll|i|me|my|mine|myself|your|yourself)\b/gi, (w) => THIRD_PERSON[w.toLowerCase()] ?? w);
}

/**
 * A sentence built from `template`, where `{q}` is replaced by the quoted user text clipped so the sentence
 * stays within MAX_SENTENCE_CHARS. Capitalised, one trailing period.
 */
export function sentence(template: string, user?: string): string {
  let text = template;
  if (template.includes('{q}')) {
    const room = MAX_SENTENCE_CHARS - (template.length - 3);
    const quoted = quote(user ?? '', room);
    // nothing left to quote (an empty or code-only message): the sentence stands without it
    text = quoted ? template.replace('{q}', () => quoted) : template.replace(/[:\s]*"\{q\}"/, '').replace('{q}', '');
  }
  text = text.replace(/\s+/g, ' ').trim().replace(/[\s,;:!?.，。！？；：]+$/, '');
  if (text.length > MAX_SENTENCE_CHARS - 1) text = clip(text, MAX_SENTENCE_CHARS - 1).replace(/…$/, '');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
