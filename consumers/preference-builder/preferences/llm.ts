// The model summariser: prompt A.2 (our wording) through the shared LLM caller, which limits concurrency,
// times out, retries transport failures and unreadable answers, and counts tokens and repairs.
import { LlmCallError, type LlmCaller } from '../../../src/llm/index.js';
import { readPreferenceAnswer } from './answer.js';
import { preferenceMessages } from './prompt.js';
import { PreferenceSummaryError, type PreferenceInput, type PreferenceSummary } from './types.js';

export interface LlmPreferenceSummarizer {
  readonly by: string;
  /** Rejects with PreferenceSummaryError when every attempt failed. */
  summarize(input: PreferenceInput): Promise<PreferenceSummary>;
}

export function createLlmPreferenceSummarizer(params: { caller: LlmCaller }): LlmPreferenceSummarizer {
  const { caller } = params;
  return {
    by: caller.model,
    async summarize(input) {
      try {
        const { preferences, queryTurn } = await caller.complete({ messages: preferenceMessages(input), temperature: 0 }, (answer) => readPreferenceAnswer(answer, input.history));
        return { preferences, queryTurn, by: caller.model };
      } catch (error) {
        if (!(error instanceof LlmCallError)) throw error;
        throw new PreferenceSummaryError(`preference summary failed after ${error.attempts} attempt(s): ${error.reason}`, { cause: error.cause });
      }
    },
  };
}
