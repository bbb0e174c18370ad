// What the judged assistant response did, as far as it matters for reading the follow-up: did it ask the
// user to confirm something, offer or suggest something, ask a question, or admit a limitation? A bare "no"
// means a correction after "is that right?", a decline after "would you like ...?", and a close after
// "anything else?".
import { normalizeText } from './text.js';

export interface ResponseContext {
  asksConfirmation: boolean;
  offers: boolean;
  asksAnythingElse: boolean;
  asksQuestion: boolean;
  /** The response's last sentence is a question: the follow-up is first of all an answer to it. */
  endsWithQuestion: boolean;
  admitsLimitation: boolean;
}

const CONFIRM_RE =
  /\b(?:confirm|is (?:that|this|it) (?:right|correct|ok|okay)|(?:right|correct)\?|does (?:that|this) (?:sound|look) (?:right|good|correct)|to verify|just to check|am i right|is (?:this|that) (?:good|ok|okay|fine|what you want(?:ed)?)|(?:does|would) (?:that|this) work|sound good\?)\b|确认|对吗|是吗|没错吧|对不对|是否正确/;
const OFFER_RE =
  /\b(?:would you like|do you want|shall i|should i|want me to|would you prefer|how about|what about|i (?:recommend|suggest)|you (?:could|might|can) (?:try|use|consider)|may i suggest|why not)\b|要不要|需要我|是否需要|建议|推荐|您看|可以试试/;
const ANYTHING_ELSE_RE =
  /\b(?:anything else|something else i can|other (?:help|questions?)|further (?:assist|help|questions?)|help (?:you )?with (?:anything|something) else|is (?:that|there) all|will that be all)\b|还有(?:什么|其他|别的).{0,6}(?:吗|？|\?)|其他问题/;
const LIMITATION_RE =
  /\b(?:sorry|unfortunately|apolog\w*|i (?:can't|cannot|am unable|couldn't|could not|was unable|wasn't able|don't have access|am not able)|not able to|no (?:results|matches|availability|information)|(?:there (?:are|is|were|was)|i (?:have|found)) no|(?:isn't|is not|aren't|are not|not) available|unsuccessful|failed|as an ai)\b|抱歉|对不起|不好意思|无法|不能|没有找到|找不到|暂时没有|做不到|很遗憾/;

export function readResponse(response: string): ResponseContext {
  // only the opening (apologies, refusals) and the closing (questions, offers) matter; long answers are cut
  const head = normalizeText(response.length > 500 ? response.slice(0, 500) : response);
  const tail = response.length > 500 ? normalizeText(response.slice(-300)) : head;
  return {
    asksConfirmation: CONFIRM_RE.test(tail),
    offers: OFFER_RE.test(tail),
    asksAnythingElse: ANYTHING_ELSE_RE.test(tail),
    asksQuestion: /[?？]\s*\S{0,3}\s*$/.test(tail) || /[?？]/.test(tail.slice(-160)),
    endsWithQuestion: /[?？][\s"')\]]*$/.test(tail),
    admitsLimitation: LIMITATION_RE.test(head),
  };
}
