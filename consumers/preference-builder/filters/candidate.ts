// What the filters judge: a pair (or a training example) before it is published. The builder maps a
// PreferencePair or a TrainingExample onto this shape, so one set of filters serves both.
import type { ChatMessage } from '../../../src/events/chat.js';

export interface FilterCandidate {
  tenant: string;
  /** The pair id or example id: deterministic, so a re-delivered candidate carries the same one. */
  id: string;
  prompt: ChatMessage[];
  chosen: string;
  /** Null for single-response examples. */
  rejected: string | null;
  /** The user's summarised preferences (empty for examples). */
  preferences: string[];
}

/** The filters in the order the pipeline runs them; each appears once in every verdict list. */
export const FILTER_NAMES = ['length', 'spurious-preference', 'duplicate', 'moderation'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
