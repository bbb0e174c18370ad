// The models under evaluation answering test prompts: one OpenAI-compatible endpoint (INSITU_EVAL_URL) that
// serves both the candidate and the baseline, called through the shared LLM caller with a per-request model.
// The models see the pair's prompt only, never the user's preferences: the candidate should have learned them.
import type { ChatMessage } from '../../src/events/chat.js';
import { InsituError } from '../../src/errors.js';
import { createLlmCaller, UnreadableAnswerError } from '../../src/llm/index.js';

const GENERATION_TIMEOUT_MS = 120_000;

/** A model could not answer one prompt after every retry; counted and the sample left out, never fatal. */
export class GenerationFailedError extends InsituError {}

export interface Responder {
  answer(model: string, messages: readonly ChatMessage[]): Promise<string>;
}

export function createResponder(options: { url: string; apiKey: string | undefined; retries?: number; concurrency?: number; timeoutMs?: number; backoffMs?: number }): Responder {
  const caller = createLlmCaller({
    baseURL: options.url,
    model: 'default',
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs ?? GENERATION_TIMEOUT_MS,
    retries: options.retries ?? 2,
    concurrency: options.concurrency ?? 8,
    ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
  });
  return {
    async answer(model, messages) {
      try {
        // Temperature 0: the same test set gives the same answers as far as the server allows.
        return await caller.complete({ model, messages: messages.map((m) => ({ role: m.role, content: m.content })), temperature: 0 }, (answer) => {
          if (answer.trim() === '') throw new UnreadableAnswerError('the model answered with empty content');
          return { value: answer };
        });
      } catch (error) {
        throw new GenerationFailedError(`${model} could not answer: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    },
  };
}
