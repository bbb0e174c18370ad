// Structural signals that no single cue carries: how the follow-up answers the response's question
// (a bare "no" to "is that right?" is a correction, to "would you like ...?" a decline), repeated requests,
// and insisting after the assistant admitted a limitation. Each becomes a synthetic cue hit.
import { isSatRubric } from '../../../src/feedback/rubrics.js';
import type { CueHit } from './cues.js';
import type { Repetition } from './repetition.js';
import type { ResponseContext } from './response-context.js';
import { beyondEnglishAndChinese } from './languages.js';
import { wordTokens, type PreparedText } from './text.js';

export interface SignalWeights {
  /** "no" + new details after a confirmation request or suggestion: a correction. */
  correction: number;
  /** A bare "no" after a confirmation request. */
  rejectConfirmation: number;
  /** "no" after an offer or suggestion, nothing else said. */
  declineOffer: number;
  /** "yes"/"ok" after a confirmation request or offer: accepting the proposal. */
  acceptProposal: number;
  /** Follow-up repeats the previous user message. */
  repeat: number;
  /** Similarity at or above which a follow-up counts as a repeat. */
  repeatSimilarity: number;
  /** SAT cues answering a question ("anything else?" -> "no, thanks") say less about the answer itself. */
  satAfterQuestion: number;
  /** Thanks after the assistant admitted it could not help are mostly politeness. */
  gratitudeAfterLimitation: number;
  /** Multiplier for evaluative cues inside a request clause. */
  insideRequest: number;
  /** A near-verbatim repeat (at least 3 content words). */
  strongRepeat: number;
  strongRepeatSimilarity: number;
}

export const DEFAULT_SIGNAL_WEIGHTS: SignalWeights = {
  correction: 1.0,
  rejectConfirmation: 1.1,
  declineOffer: 1.0,
  acceptProposal: 0.15,
  repeat: 0.8,
  repeatSimilarity: 0.65,
  satAfterQuestion: 0.75,
  gratitudeAfterLimitation: 0.6,
  insideRequest: 0.3,
  strongRepeat: 1.1,
  strongRepeatSimilarity: 0.8,
};

// (other languages: nein, non, нет, いいえ, 아니요, hayır, nie, nee, tidak, không, لا)
const LEADING_NO_RE = /^(?:no+|nope|nah|not really|not quite|not exactly|negative|不是|不对|不用|不要|不|没有|nein|non(?=[\s,.!]|$)|nie|nee|нет|いいえ|いや|아니요|아뇨|아니|hayır|hayir|tidak|bukan|không|لا)(?![a-z])/;
// A user apologising for their own slip, then correcting it: still a correction of what the response assumed.
const LEADING_SORRY_RE = /^(?:(?:i'm |i am |so )?sorry|oops|my bad|my mistake|actually|wait|抱歉|不好意思|对不起|哦不)(?![a-z])/;
const LEADING_YES_RE = /^(?:yes|yeah|yep|yup|ya|yea|sure|ok|okay|alright|all right|correct|right|that's right|that is right|exactly|absolutely|definitely|of course|please do|go ahead|是的|是|对|好的|好|可以|行|没错|嗯|ja|oui|sí|sim|да|はい|네|예|evet|tak|iya|vâng|نعم|d'accord|claro|certo|genau)(?![a-z])/;
// Content after a leading "no" that supplies what the user wanted instead.
const CORRECTION_RE =
  /\b(?:i (?:want|need|wanted|meant|said|asked|would like|'d like|prefer)|i'd (?:like|prefer)|(?:make|change|switch|move) (?:it|that|the)|it (?:should|is|was|'s) (?:for|at|on|in)|should be|instead|actually|rather|(?:for|at|on|in) (?:the )?(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|monday|tuesday|wednesday|thursday|friday|saturday|sunday|morning|afternoon|evening|next|this)|it's|the (?:name|date|time|day|number|address) is|not (?:the|that|this|for|at|on))\b|我要|我想要|应该是|改成|是.{1,10}(?:不是|而不是)/;
const CLOSING_RE =
  /\b(?:(?:that's|that is|that was|that will be|that'll be|that would be|it's|it is) (?:all|it|everything)|all i (?:need|needed|wanted)|nothing (?:else|more)|i'm good|i am good|all set|thanks|thank you|bye)\b|没有了|就这些|谢谢/;

// A clause that opens with a request or a question asks for something; evaluative words later inside it
// ("write a great cover letter", "a story about a terrible storm") describe the task, not the last answer.
const REQUEST_OPENER_RE =
  /^(?:(?:now|next|also|and|then|so|ok|okay|alright),? )?(?:(?:can|could|would|will) you|please|pls|write|create|make|give|generate|draft|compose|tell me|show me|explain|describe|list|find|suggest|recommend|help me|summari[sz]e|translate|paraphrase|proofread|edit|review|analy[sz]e|rewrite|correct|check|i (?:want|need|would like|'d like)|i(?:'m| am) (?:looking|searching) for|looking for|get me|book|reserve|search|how|what|why|when|where|which|who|is there|are there|do you|请|帮我|给我|写|生成|推荐|怎么|如何|什么|为什么|哪)/;
// The same for the other languages (checked only when one is plausible): "escribe un poema excelente ..."
const OTHER_REQUEST_OPENER_RE = new RegExp(
  '^(?:(?:und|et|y|e|и|ve|i|en|dan) )?(?:' +
    // German, French, Spanish, Portuguese, Italian
    'kannst du|könntest du|bitte|schreib(?:e)?|erstelle|gib mir|erkläre?|wie|warum|welche[rs]?|' +
    "peux-tu|pouvez-vous|peux tu|écris|ecris|écrivez|fais|donne-moi|explique|comment|pourquoi|quel(?:le)?s?|qu'est-ce|" +
    'puedes|podrías|podrias|escribe|haz|dame|explica|cómo|qué|por qué|cuál|' +
    'pode|você pode|escreva|escreve|faça|me dê|explique|por que|qual|' +
    'puoi|potresti|scrivi|dammi|spiega|perché|quale|' +
    // Russian, Turkish, Polish, Dutch, Indonesian, Vietnamese, Arabic
    'напиши|сделай|дай|объясни|расскажи|можешь|как|почему|какой|' +
    'yaz|açıkla|nasıl|neden|napisz|wyjaśnij|jak|dlaczego|schrijf|geef|leg uit|hoe|waarom|' +
    'tolong|tuliskan|buatkan|jelaskan|bagaimana|kenapa|hãy|viết|giải thích|tại sao|اكتب|اشرح|كيف|لماذا' +
    ')(?![\\p{L}])',
  'u',
);
const TASK_WORDS = new Set<CueHit['rubric']>(['praise', 'gratitude', 'acknowledgment', 'negative_feedback', 'factual_error', 'humor', 'learning']);

/**
 * Evaluative cues buried inside a request sentence become weak hints (see REQUEST_OPENER_RE), and so do cues
 * in material the user pasted in: everything after an introducing colon ("Summarize this: ..."), and the
 * middle of a long message. Feedback opens a message or closes it in a short last sentence.
 */
export function discountInsideRequests(text: PreparedText, hits: readonly CueHit[], factor: number): CueHit[] {
  if (!hits.some((h) => TASK_WORDS.has(h.rubric) && !h.hint)) return [...hits];
  const starts = sentenceStarts(text.norm);
  const n = starts.length;
  const first = n >= 2 ? text.norm.slice(0, starts[1]) : '';
  const colon = /:\s*$/.test(first);
  const introducesMaterial = colon || /^(?:here is|here's|here are|below is|this is my|these are my|attached is|i wrote)\b/.test(first);
  const weak = (h: CueHit): CueHit => ({ ...h, weight: h.weight * factor, hint: true });
  return hits.map((h) => {
    if (!TASK_WORDS.has(h.rubric) || h.hint) return h;
    if (introducesMaterial || n >= 4) {
      let k = 0;
      while (k + 1 < n && (starts[k + 1] as number) <= h.start) k++;
      const shortLast = k === n - 1 && (n >= 3 || !colon) && wordTokens(text.norm.slice(starts[k])).length <= 8;
      const opening = k === 0 || (k === 1 && !introducesMaterial);
      if (!opening && !shortLast) return weak(h);
    }
    const clause = text.clauses[h.clause];
    // a clause that is nothing but the cue (", thanks", ", great!") stands on its own
    if (clause && h.start <= clause.start && h.end >= clause.end - 1) return h;
    const from = sentenceStart(text.norm, h.start);
    const head = text.norm.slice(from, h.start + 1);
    const opener = REQUEST_OPENER_RE.exec(head) ?? (beyondEnglishAndChinese(text.langs) ? OTHER_REQUEST_OPENER_RE.exec(head) : null);
    return opener && h.start >= from + opener[0].length ? weak(h) : h;
  });
}

const SENTENCE_END = new Set(['.', '!', '?', '\n', '。', '；', ';', ':']);

/** Offsets where sentences start (ignoring trailing whitespace-only remainders). */
function sentenceStarts(norm: string): number[] {
  const out = [0];
  const end = norm.trimEnd().length;
  for (let i = 0; i < end - 1; i++) {
    if (SENTENCE_END.has(norm[i] as string) && !SENTENCE_END.has(norm[i + 1] as string)) out.push(i + 1);
  }
  return out;
}

function sentenceStart(norm: string, at: number): number {
  let i = at;
  while (i > 0 && !SENTENCE_END.has(norm[i - 1] as string)) i--;
  while (i < at && (norm[i] === ' ' || norm[i] === '"')) i++;
  return i;
}

/** Discounts SAT cues whose force depends on what they answer. Returns new hit objects. */
export function weighByResponse(hits: readonly CueHit[], response: ResponseContext, w: SignalWeights): CueHit[] {
  return hits.map((h) => {
    if (!isSatRubric(h.rubric)) return h;
    let weight = h.weight;
    if (response.endsWithQuestion) weight *= w.satAfterQuestion;
    if (response.admitsLimitation && (h.rubric === 'gratitude' || h.rubric === 'positive_closure')) weight *= w.gratitudeAfterLimitation;
    return weight === h.weight ? h : { ...h, weight };
  });
}

function synthetic(rubric: CueHit['rubric'], weight: number, start: number, end: number, tag: string): CueHit {
  return { rubric, weight, start, end, clause: 0, negated: false, tag };
}

export function structuralHits(
  text: PreparedText,
  hits: readonly CueHit[],
  response: ResponseContext,
  repetition: Repetition,
  w: SignalWeights,
): CueHit[] {
  const out: CueHit[] = [];
  const first = text.clauses[0];
  if (!first) return out;
  const firstText = text.norm.slice(first.start, first.end);
  const whole = text.norm;
  const hasRevision = hits.some((h) => h.rubric === 'revision' || h.rubric === 'factual_error');

  const no = LEADING_NO_RE.exec(firstText);
  if (no && !CLOSING_RE.test(whole)) {
    const rest = whole.slice(first.start + no[0].length);
    const corrects = CORRECTION_RE.test(rest) || hasRevision;
    const end = first.end;
    if ((response.asksConfirmation || response.offers) && corrects) {
      out.push(synthetic('revision', w.correction, first.start, end, 'no, I meant'));
    } else if (response.asksConfirmation) {
      out.push(synthetic('revision', w.rejectConfirmation, first.start, end, 'no (to a confirmation)'));
    } else if (response.offers && !response.asksAnythingElse) {
      out.push(synthetic('no_engagement', w.declineOffer, first.start, end, 'no (declines)'));
    } else if (corrects && !response.asksAnythingElse) {
      out.push(synthetic('revision', w.correction * 0.8, first.start, end, 'no, I meant'));
    }
  }

  const sorry = !no ? LEADING_SORRY_RE.exec(firstText) : null;
  if (sorry && CORRECTION_RE.test(whole.slice(first.start + sorry[0].length)) && !hasRevision) {
    out.push(synthetic('revision', w.correction, first.start, first.end, 'sorry, I meant'));
  }

  const yes = LEADING_YES_RE.exec(firstText);
  if (yes && (response.asksConfirmation || (response.offers && !response.asksAnythingElse)) && !hasRevision) {
    out.push({ ...synthetic('compliance', w.acceptProposal, first.start, first.start + yes[0].length, 'accepts proposal'), hint: true });
  }

  if (repetition.support >= 2 && repetition.similarity >= w.repeatSimilarity) {
    const rubric = response.admitsLimitation ? 'unrealistic_expectation' : 'revision';
    const last = text.clauses[text.clauses.length - 1] ?? first;
    // a near-verbatim repeat of a substantial request is a strong sign; a partial restatement a weak one
    const strong = repetition.support >= 3 && repetition.similarity >= w.strongRepeatSimilarity;
    out.push(synthetic(rubric, strong ? w.strongRepeat : w.repeat, first.start, last.end, 'repeats request'));
  }
  return out;
}
