// Preference summarisation for the preference builder (WildFeedback §3.2, prompt A.2): the user's preferences
// as complete sentences, from the conversation around a dissatisfying response. With a model configured
// (INSITU_JUDGE_URL / INSITU_JUDGE_MODEL) the model summarises; without one, the local summariser does, so the
// embedded default builds pairs with no model at all.
import type { Config } from '../../../src/config.js';
import { createLlmCaller } from '../../../src/llm/index.js';
import { silentLogger, type Logger } from '../../../src/log.js';
import { createLlmPreferenceSummarizer } from './llm.js';
import { summarizePreferencesLocally } from './local.js';
import { PreferenceSummaryError, type PreferenceStats, type PreferenceSummarizer } from './types.js';

export { readPreferenceAnswer, PreferenceAnswerError } from './answer.js';
export type { ModelPreferences } from './answer.js';
export { createLlmPreferenceSummarizer } from './llm.js';
export type { LlmPreferenceSummarizer } from './llm.js';
export { summarizePreferencesLocally } from './local.js';
export { preferenceMessages } from './prompt.js';
export { findQueryTurn } from './query-turn.js';
export { PreferenceSummaryError } from './types.js';
export type { PreferenceFeedback, PreferenceInput, PreferenceStats, PreferenceSummarizer, PreferenceSummary } from './types.js';

export interface PreferenceSummarizerParams {
  /** The model endpoint (config.judge); undefined: local summaries only. A whole Config fits here too. */
  judge: Config['judge'];
  /** Base of the backoff between model attempts (tests shorten it). */
  backoffMs?: number;
  logger?: Logger;
}

export function createPreferenceSummarizer(params: PreferenceSummarizerParams): PreferenceSummarizer {
  const logger = params.logger ?? silentLogger;
  const j = params.judge;
  const caller = j ? createLlmCaller({ baseURL: j.url, model: j.model, apiKey: j.apiKey, timeoutMs: j.timeoutMs, retries: j.retries, concurrency: j.concurrency, backoffMs: params.backoffMs }) : undefined;
  const model = caller ? createLlmPreferenceSummarizer({ caller }) : undefined;
  const counts = { summaries: 0, byModel: 0, byLocal: 0, fallbacks: 0 };

  return {
    by: model?.by ?? 'local',
    stats: (): PreferenceStats => ({ ...counts, llm: caller ? caller.stats() : null }),
    async summarize(input) {
      counts.summaries++;
      if (model) {
        try {
          const summary = await model.summarize(input);
          counts.byModel++;
          return summary;
        } catch (error) {
          if (!(error instanceof PreferenceSummaryError)) throw error;
          // A failing model must not cost the pair: the local summary stands in, marked by 'local', and the
          // fallback is counted so a broken endpoint shows in the stats.
          counts.fallbacks++;
          logger.warn('preference summary by model failed; using the local summary', { error });
        }
      }
      counts.byLocal++;
      return summarizePreferencesLocally(input);
    },
  };
}
