// Generated chosen responses (expert and on-policy modes, WildFeedback §3.2): the summarised preferences
// become the system prompt, with the paper's extra instruction that the response must be safe; on-policy
// also regenerates the rejected response without them, and the checklist judge keeps the pair only when
// the response with preferences follows them better: the evaluation's pairwise judge (INSITU_JUDGE_* when
// configured, else the local checklist judge), asked in both orders with the preferences as checklist.
import type { ChatMessage } from '../../src/events/chat.js';
import { InsituError } from '../../src/errors.js';
import { isRetriable, LlmCallError, UnreadableAnswerError } from '../../src/llm/index.js';
import { createLocalPairwiseJudge, type PairwiseJudge } from '../evaluator/judge/pairwise.js';
import { combineOrders } from '../evaluator/outcome.js';
import { completeGeneratedPair, type GenerationRequest, type PairDraft } from './core.js';

/** One chat completion from an OpenAI-compatible model. */
export interface ChatModel {
  /** The model asked for when the request names none. */
  readonly defaultModel: string | null;
  complete(messages: ChatMessage[], model: string): Promise<{ content: string; model: string }>;
}

export class GenerationError extends InsituError {}

/**
 * The generating model could not be reached (timeout, connection, 429, 5xx) after the caller's own retries.
 * The runner rethrows it, so the feedback is retried with its batch and, after INSITU_DLQ_MAX_ATTEMPTS, goes to
 * insitu.dlq (replayable) instead of silently losing its pair. Not `retriable` in the poison guard's sense:
 * that would retry forever without counting, like a bus outage.
 */
export class ModelUnavailableError extends GenerationError {}

/**
 * A model call (found along the cause chain: a judge wraps its LlmCallError) whose last attempt failed in
 * transport (timeout, connection, 429, 5xx), not with an answer that could not be used.
 */
export function modelUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof LlmCallError) return isRetriable(e.cause) && !(e.cause instanceof UnreadableAnswerError);
  }
  return false;
}

export const SAFETY_INSTRUCTION = 'The response should be safe.';

export function preferenceSystemPrompt(preferences: string[]): string {
  return [
    "Answer the user's last message. The user has these preferences; follow them:",
    ...preferences.map((p) => `- ${p}`),
    SAFETY_INSTRUCTION,
  ].join('\n');
}

/** The prompt with the preferences as system prompt (an app's own system messages stay after it). */
export const withPreferences = (prompt: ChatMessage[], preferences: string[]): ChatMessage[] => [{ role: 'system', content: preferenceSystemPrompt(preferences) }, ...prompt];

export interface Generators {
  expert?: ChatModel;
  /** The deployed model (the proxy's upstream). */
  policy?: ChatModel;
  /** The on-policy checklist judge; default the local checklist judge. */
  judge?: PairwiseJudge;
}

export type GeneratedPair = { kept: true; draft: PairDraft } | { kept: false; reason: string };

export async function generatePair(request: GenerationRequest, generators: Generators): Promise<GeneratedPair> {
  if (request.mode === 'expert') {
    const expert = generators.expert;
    if (!expert?.defaultModel) throw new GenerationError('pair mode expert needs INSITU_EXPERT_URL and INSITU_EXPERT_MODEL');
    const chosen = await expert.complete(withPreferences(request.prompt, request.preferences.list), expert.defaultModel);
    return { kept: true, draft: completeGeneratedPair(request, { chosen: chosen.content, chosenModel: chosen.model }) };
  }
  const policy = generators.policy;
  const model = request.policyModel ?? policy?.defaultModel ?? null;
  if (!policy || !model) throw new GenerationError('pair mode on-policy needs the upstream model and the name of the model that served the judged turn');
  const [rejected, chosen] = await Promise.all([policy.complete(request.prompt, model), policy.complete(withPreferences(request.prompt, request.preferences.list), model)]);
  const judge = generators.judge ?? createLocalPairwiseJudge();
  const last = request.prompt.map((m) => m.role).lastIndexOf('user');
  const base = { history: last < 0 ? request.prompt : request.prompt.slice(0, last), query: last < 0 ? '' : request.prompt[last]!.content, checklist: request.preferences.list };
  let outcome;
  try {
    // Both orders, so a judge's position bias cannot keep a pair: chosen must win overall.
    const [forward, backward] = await Promise.all([
      judge.compare({ ...base, responseA: chosen.content, responseB: rejected.content }),
      judge.compare({ ...base, responseA: rejected.content, responseB: chosen.content }),
    ]);
    outcome = combineOrders(forward, backward);
  } catch (error) {
    const Failure = modelUnreachable(error) ? ModelUnavailableError : GenerationError;
    throw new Failure(`the checklist judge ${judge.name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (outcome !== 'win') return { kept: false, reason: `checklist judge ${judge.name}: ${outcome === 'tie' ? 'no difference' : 'the response without preferences follows them better'}` };
  return {
    kept: true,
    draft: completeGeneratedPair(request, { chosen: chosen.content, chosenModel: chosen.model, rejected: rejected.content, rejectedModel: rejected.model, judge: judge.name }),
  };
}
