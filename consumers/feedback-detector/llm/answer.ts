// Reading the judge's answer strictly: the first JSON object in the text (code fences and chatter around it
// are tolerated), every field checked against the label sets. Invalid labels are dropped and reported as
// repairs; an answer without a usable JSON object is a JudgeAnswerError (the caller retries).
import { extractJsonObject, UnreadableAnswerError } from '../../../src/llm/index.js';
import { CONVERSATION_STATES, DOMAINS, INTENTS, isDsatRubric, isSatRubric } from '../../../src/feedback/rubrics.js';
import type { ConversationState, Domain, Intent, Polarity } from '../../../src/feedback/rubrics.js';
import type { Detection } from '../detector.js';

/** The judge's answer has no usable JSON verdict; retried by the caller. */
export class JudgeAnswerError extends UnreadableAnswerError {}

export { extractJsonObject };

const norm = (x: unknown) => (typeof x === 'string' ? x.trim().toLowerCase().replace(/[\s-]+/g, '_') : '');

export function polarityOf(sat: number, dsat: number): Polarity {
  if (sat && dsat) return 'MIXED';
  if (sat) return 'SAT';
  if (dsat) return 'DSAT';
  return 'NONE';
}

export function readJudgeAnswer(text: string, followUp: string): { detection: Detection; repairs: string[] } {
  const json = extractJsonObject(text);
  if (!json) throw new JudgeAnswerError('the judge answered without a JSON object');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json) as Record<string, unknown>;
  } catch (error) {
    throw new JudgeAnswerError(`the judge's JSON does not parse: ${(error as Error).message}`);
  }
  const repairs: string[] = [];
  const list = (field: string): string[] => {
    const v = raw[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      repairs.push(`${field} not a list`);
      return typeof v === 'string' ? [v] : [];
    }
    return v.map(norm);
  };
  const satisfaction = [...new Set(list('satisfaction'))].filter((l) => (isSatRubric(l) ? true : (repairs.push(`unknown satisfaction label ${l}`), false)));
  const dissatisfaction = [...new Set(list('dissatisfaction'))].filter((l) => (isDsatRubric(l) ? true : (repairs.push(`unknown dissatisfaction label ${l}`), false)));
  const pick = <T extends string>(field: string, allowed: readonly T[], fallback: T, transform: (s: string) => string = (s) => s): T => {
    const v = transform(typeof raw[field] === 'string' ? (raw[field] as string).trim() : '');
    if ((allowed as readonly string[]).includes(v)) return v as T;
    repairs.push(`${field} '${String(raw[field])}' replaced by ${fallback}`);
    return fallback;
  };
  const hasFeedback = satisfaction.length + dissatisfaction.length > 0;
  const state = pick<ConversationState>('state', CONVERSATION_STATES, hasFeedback ? 'FEEDBACK' : 'CONTINUATION', (s) => s.toUpperCase());
  const intent = pick<Intent>('intent', INTENTS, 'open_ended_discovery', norm);
  const domain = pick<Domain>('domain', DOMAINS, 'other' as Domain, norm);
  let evidence = typeof raw.evidence === 'string' && raw.evidence.trim() ? raw.evidence.trim() : null;
  if (evidence && !followUp.includes(evidence)) {
    repairs.push('evidence not found verbatim in the reply');
    evidence = hasFeedback ? followUp.slice(0, 200) : null;
  }
  const confidenceRaw = Number(raw.confidence);
  const confidence = Number.isFinite(confidenceRaw) ? Math.min(1, Math.max(0, confidenceRaw)) : 0.7;
  const summary = typeof raw.summary === 'string' && raw.summary.trim() ? raw.summary.trim().slice(0, 300) : 'No summary given.';
  return {
    detection: { state, satisfaction: satisfaction as Detection['satisfaction'], dissatisfaction: dissatisfaction as Detection['dissatisfaction'], intent, domain, summary, polarity: polarityOf(satisfaction.length, dissatisfaction.length), confidence, evidence: hasFeedback ? evidence : null },
    repairs,
  };
}
