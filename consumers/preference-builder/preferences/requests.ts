// The user's own corrective words, read clause by clause: "I meant X (not Y)", "I want X", "I said X",
// "use X", "in X", "without X", "don't X", "please X", and their Chinese counterparts (我是说, 我要, 请, 不要,
// 用 ...). English clauses become third-person sentences; Chinese ones are quoted verbatim inside an English
// sentence, so the requirement keeps the user's exact words.
import { clip, MAX_QUOTE_CHARS, scrubSecrets, sentence, thirdPerson } from './sentence.js';

// Technology-like objects read as "use X" ("I meant Python 3" -> "to use Python 3"), others as "meant X".
const TECH = /\d|\b(?:python|javascript|typescript|java|kotlin|swift|c\+\+|c#|rust|golang|go|ruby|php|perl|scala|sql|mysql|postgres\w*|sqlite|bash|shell|powershell|excel|vba|react|vue|angular|svelte|node(?:\.?js)?|deno|django|flask|fastapi|spring|pandas|numpy|pytorch|tensorflow|linux|ubuntu|windows|macos|ios|android|docker|kubernetes|aws|azure|gcp|html|css|json|yaml|xml|csv|markdown|latex|regex|git|api|library|framework|version|celsius|fahrenheit|metric|imperial|km|miles|kg|pounds|usd|eur|dollars|euros)\b/i;

// Objects too vague to make a preference of ("I don't like it").
const VAGUE = /^(?:it|this|that|them|these|those|so|one|something|anything|the same|again|more|less|that one|this one)$/i;

const TRAILING = /(?:[\s,;:!?.…。，！？；]+|\s+(?:please|pls|plz|thanks|thank you|instead|then|again|now|ok|okay|lol))+$/i;

function object(raw: string | undefined, minLength = 2): string | null {
  if (!raw) return null;
  let x = raw.trim();
  for (let i = 0; i < 3; i++) x = x.replace(TRAILING, '').replace(/^(?:to be |that )/i, '').trim();
  x = x.replace(/"/g, "'").replace(/[\p{Extended_Pictographic}\uFE0F]/gu, '').trim();
  if (x.length < minLength || VAGUE.test(x)) return null;
  return clip(scrubSecrets(thirdPerson(x)), MAX_QUOTE_CHARS);
}

/** "Python 3" and "2" -> "Python 2": a bare version after "not" takes the name before it. */
function completeAlternative(x: string, y: string): string {
  const xs = x.split(/\s+/);
  if (/^v?[\d.]+$/i.test(y) && xs.length >= 2 && /^v?[\d.]+$/i.test(xs[xs.length - 1]!)) return [...xs.slice(0, -1), y].join(' ');
  return y;
}

/** X and, when the clause says "X, not Y" / "X instead of Y" / "X rather than Y", Y. */
function alternatives(raw: string): { x: string; y: string | null } | null {
  const m = /^(.+?),?\s+(?:and\s+)?(?:not|instead of|rather than)\s+(.+)$/i.exec(raw);
  const x = object(m ? m[1] : raw);
  if (!x) return null;
  const y = m ? object(m[2], 1) : null;
  return { x, y: y ? completeAlternative(x, y) : null };
}

type EnRule = [RegExp, (m: RegExpExecArray) => string | null];

const EN_RULES: readonly EnRule[] = [
  [/^(?:i|we)\s+(?:meant|mean|was (?:asking|talking) about|am (?:asking|talking) about|'m (?:asking|talking) about)\s+(.+)$/i, (m) => meant(m[1])],
  [/^what\s+i\s+(?:meant|mean)\s+(?:is|was)\s+(.+)$/i, (m) => meant(m[1])],
  [/^(?:i|we)\s+(?:want|need|wanted|needed|would like|'d like)\s+you\s+to\s+(.+)$/i, (m) => withObject(m[1], (x) => `The user wants the assistant to ${x}`)],
  [/^(?:i|we)\s+(?:asked|told)\s+you\s+to\s+(.+)$/i, (m) => withObject(m[1], (x) => `The user had asked the assistant to ${x}`)],
  [/^(?:i|we)\s+(?:don'?t|do not)\s+(?:want|need)\s+(.+)$/i, (m) => withObject(m[1], (x) => `The user does not want ${x}`)],
  [/^(?:i|we)\s+(?:don'?t|do not)\s+like\s+(.+)$/i, (m) => withObject(m[1], (x) => `The user dislikes ${x}`)],
  [/^(?:what\s+i\s+(?:want|need|wanted|needed)\s+(?:is|was)|(?:i|we)\s+(?:want|need|wanted|needed|would like|'d like|prefer|asked for|was asking for|am looking for|'m looking for|was looking for))\s+(.+)$/i, (m) => wants(m[1])],
  [/^(?:i|we)\s+(?:already\s+)?(?:said|asked|specified|mentioned|told you)\s+(?:that\s+)?(.+)$/i, (m) => (object(m[1]) ? sentence('The user wants their original instruction followed: "{q}"', m[1]!.replace(TRAILING, '')) : null)],
  [/^(?:please\s+|just\s+|(?:can|could) you\s+|you should\s+|should\s+)?use\s+(.+)$/i, (m) => choice(m[1], 'The user wants the answer to use')],
  [/^(?:please\s+)?(?:(?:can|could) you\s+)?(?:(?:do|write|answer|reply|respond|rewrite|redo|say|give|explain|show|make|put|convert|translate)\s+(?:it|this|that|me|them|the (?:answer|code|text|result))?\s*)?in\s+((?!(?:my|your|fact|general|short|detail|the end|this case|that case|any case|order|other words)\b)\S+(?:\s+\S+){0,4})$/i, (m) => choice(m[1], 'The user wants the answer in')],
  [/\bwithout\s+(.+)$/i, (m) => withObject(m[1], (x) => `The user wants the answer without ${x}`)],
  [/^(?:please\s+)?(?:don'?t|do not|never)\s+(.+)$/i, (m) => withObject(m[1], (x) => `The user does not want the assistant to ${x}`)],
  [/^(?:please\s+)?stop\s+(.+)$/i, (m) => withObject(m[1], (x) => `The user wants the assistant to stop ${x}`)],
  [/^no more\s+(.+)$/i, (m) => withObject(m[1], (x) => `The user wants no more ${x}`)],
  [/^(?:please|pls|plz|kindly)\s+(.+)$/i, (m) => withObject(m[1], (x) => `The user asked the assistant to ${x}`)],
  [/^(?:can|could|would|will)\s+you\s+(?:please\s+)?(.+)$/i, (m) => withObject(m[1], (x) => `The user asked the assistant to ${x}`)],
];

function withObject(raw: string | undefined, make: (x: string) => string): string | null {
  const x = object(raw);
  return x ? sentence(make(x)) : null;
}

function meant(raw: string | undefined): string | null {
  const alt = alternatives(raw ?? '');
  if (!alt) return null;
  const tail = alt.y ? `, not ${alt.y}` : '';
  return sentence(TECH.test(alt.x) ? `The user wants the answer to use ${alt.x}${tail}` : `The user clarified that they meant ${alt.x}${tail}`);
}

function wants(raw: string | undefined): string | null {
  const alt = alternatives(raw ?? '');
  return alt ? sentence(`The user wants ${alt.x}${alt.y ? `, not ${alt.y}` : ''}`) : null;
}

function choice(raw: string | undefined, lead: string): string | null {
  const alt = alternatives(raw ?? '');
  return alt ? sentence(`${lead} ${alt.x}${alt.y ? `, not ${alt.y}` : ''}`) : null;
}

// Filler at the start of a clause that says nothing about the request.
const LEAD_EN = /^(?:(?:no+|nope|nah|ok(?:ay)?|well|hmm+|um+|uh+|sorry|ugh|oh|wait|actually|yes|yeah|again|still)\s*[,!.:;-]+\s*|(?:but|and|also|so|then|just|actually|no|nope|well|ok|okay|now|oh)\s+(?=i\b|i'|we\b|please\b|use\b|in\b|don'?t\b|do not\b|stop\b|can\b|could\b))/i;

/** The English preference sentence the clause states, or null. */
export function readEnglishRequest(clause: string): string | null {
  let c = clause.trim();
  for (let i = 0; i < 4 && LEAD_EN.test(c); i++) c = c.replace(LEAD_EN, '').trim();
  if (c.length < 4) return null;
  for (const [re, make] of EN_RULES) {
    const m = re.exec(c);
    if (m) return make(m);
  }
  return null;
}

type ZhRule = [RegExp, string];

// Chinese: the clause is quoted whole; the rule only chooses the sentence around it.
const ZH_RULES: readonly ZhRule[] = [
  [/我(?:是说|的意思是|指的是|想说的是)/, 'The user clarified what they meant: "{q}"'],
  [/我(?:说的是|问的是|说了|已经说|都说了|刚才说)/, 'The user wants their original request followed: "{q}"'],
  [/我(?:要的是|想要|需要|希望|要)/, 'The user stated what they want: "{q}"'],
  [/^(?:请|你|就|要|必须|应该|全部|都)?(?:用|改成|换成|改为|使用)./, 'The user wants this change: "{q}"'],
  [/(?:不要|不用|不需要|^别(?!的))(?![了啦吧]?$)./, 'The user does not want this: "{q}"'],
  [/^(?:请|麻烦|能不能|可不可以|可以|帮我)./, 'The user asked the assistant: "{q}"'],
];

/** The English sentence around a Chinese clause that states a request, or null. */
export function readChineseRequest(clause: string): string | null {
  const c = clause.trim().replace(/^(?:不是|不对|不|嗯|哦|啊|好吧)[，,。！!\s]*/, '');
  if (c.length < 2) return null;
  for (const [re, template] of ZH_RULES) if (re.test(c)) return sentence(template, c);
  return null;
}
