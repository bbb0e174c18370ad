// What preference summarisation reads and returns (WildFeedback §3.2, prompt A.2): the conversation around a
// dissatisfying response, the user's feedback on it, and the user's preferences as complete sentences.
import type { ChatMessage } from '../../../src/events/chat.js';
import type { FeedbackEvent } from '../../../src/events/feedback.js';
import { InsituError } from '../../../src/errors.js';
import type { LlmStats } from '../../../src/llm/index.js';

/** The labels of the FeedbackEvent that judged the rejected response. */
export type PreferenceFeedback = Pick<FeedbackEvent, 'dissatisfaction' | 'satisfaction' | 'evidence' | 'state' | 'summary'>;

export interface PreferenceInput {
  /** The conversation up to and including the user query that the rejected response answered. */
  history: ChatMessage[];
  /** The response the user was not satisfied with. */
  rejected: string;
  /** The user's message that carries the feedback. */
  followUp: string;
  feedback: PreferenceFeedback;
}

export interface PreferenceSummary {
  /** One complete sentence each, e.g. "The user prefers shorter, more concise responses." */
  preferences: string[];
  /** A.2's query: the user's first attempt before any feedback, as an index into history; null when unknown. */
  queryTurn: number | null;
  /** 'local', or the model that summarised. */
  by: string;
}

export interface PreferenceStats {
  summaries: number;
  byModel: number;
  byLocal: number;
  /** Model summaries that failed after retries and were replaced by the local summary. */
  fallbacks: number;
  /** The model calls' counters (tokens, retries, repairs); null without a model. */
  llm: LlmStats | null;
}

export interface PreferenceSummarizer {
  /** 'local' or the configured model: who summarises when all goes well. */
  readonly by: string;
  summarize(input: PreferenceInput): Promise<PreferenceSummary>;
  stats(): PreferenceStats;
}

/** The model could not summarise the preferences (every attempt failed or was unreadable). */
export class PreferenceSummaryError extends InsituError {}
