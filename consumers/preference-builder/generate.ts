// Generated chosen responses (expert and on-policy modes, WildFeedback §3.2): the summarised preferences
// become the system prompt, with the paper's extra instruction that the response must be safe; on-policy
// also regenerates the rejected response without them, and the checklist judge keeps the pair only when
// the response with preferences follows them better.
import type { ChatMessage } from '../../src/events/chat.js';
import { InsituError } from '../../src/errors.js';
import { judgeAgainstChecklist, LOCAL_CHECKLIST_JUDGE } from './checklist.js';
import { completeGeneratedPair, type GenerationRequest, type PairDraft } from './core.js';

/** One chat completion from an OpenAI-compatible model. */
export interface ChatModel {
  /** The model asked for when the request names none. */
  readonly defaultModel: string | null;
  complete(messages: ChatMessage[], model: string): Promise<{ content: string; model: string }>;
}

export class GenerationError extends InsituError {}

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
  const model = request.requestedModel ?? policy?.defaultModel ?? null;
  if (!policy || !model) throw new GenerationError('pair mode on-policy needs the upstream model and the model name the app asked for');
  const [rejected, chosen] = await Promise.all([policy.complete(request.prompt, model), policy.complete(withPreferences(request.prompt, request.preferences.list), model)]);
  const verdict = judgeAgainstChecklist(request.preferences.list, chosen.content, rejected.content);
  if (verdict !== 'chosen') return { kept: false, reason: `checklist judge: ${verdict === 'tie' ? 'no difference' : 'the response without preferences follows them better'}` };
  return {
    kept: true,
    draft: completeGeneratedPair(request, { chosen: chosen.content, chosenModel: chosen.model, rejected: rejected.content, rejectedModel: rejected.model, judge: LOCAL_CHECKLIST_JUDGE }),
  };
}
