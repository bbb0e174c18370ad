// PreferencePair: a prompt with a chosen and a rejected assistant response and the user's summarised
// preferences (WildFeedback §3.2), published to insitu.preferences keyed by conversation_id. Pairs that a
// filter dropped are published too, with accepted=false and the verdicts, so every decision is visible;
// datasets and exports take accepted pairs only.
import { DSAT_RUBRICS, POLARITIES, SAT_RUBRICS } from '../feedback/rubrics.js';
import type { DsatRubric, Polarity, SatRubric } from '../feedback/rubrics.js';
import { ASSISTANT_MESSAGE_SCHEMA, CHAT_MESSAGE_SCHEMA, type ChatMessage } from './chat.js';

export const PREFERENCE_PAIR_VERSION = 1 as const;

export const PAIR_MODES = ['in-situ', 'expert', 'on-policy'] as const;
export type PairMode = (typeof PAIR_MODES)[number];

export const FILTER_VERDICTS = ['pass', 'drop', 'skipped'] as const;
export type FilterVerdict = (typeof FILTER_VERDICTS)[number];

/** One filter's decision: pass, drop (the pair is not accepted) or skipped (not configured / not applicable). */
export interface FilterResult {
  filter: string;
  verdict: FilterVerdict;
  /** Why, in a few words (the flagged category, the duplicate's pair id, the length...). */
  detail: string | null;
}

/** The feedback that made the pair: the DSAT on the rejected response and, in-situ, the acceptance of the revision. */
export interface PairFeedback {
  feedback_id: string;
  polarity: Polarity;
  satisfaction: SatRubric[];
  dissatisfaction: DsatRubric[];
  /** The user's words that carried it. */
  evidence: string | null;
}

export interface PreferencePair {
  schema: 'insitu.preference';
  version: typeof PREFERENCE_PAIR_VERSION;
  /** Deterministic from the rejected turn and the mode: re-delivered feedback never makes a second pair. */
  pair_id: string;
  conversation_id: string;
  tenant: string;
  user: string | null;
  /** The turn whose response was rejected. */
  rejected_turn_id: string;
  /** The turn whose user message carried the dissatisfaction. */
  feedback_turn_id: string;
  /** In-situ: the turn whose response is the chosen revision; null for generated chosen responses. */
  chosen_turn_id: string | null;
  /** The conversation up to and including the user query that the rejected response answered. */
  prompt: ChatMessage[];
  chosen: ChatMessage & { role: 'assistant' };
  rejected: ChatMessage & { role: 'assistant' };
  /** The user's preferences, one sentence each. */
  preferences: string[];
  /** Why: the dissatisfaction first, then (in-situ) the feedback that accepted the revision. */
  feedback: PairFeedback[];
  mode: PairMode;
  models: {
    /** The model that wrote the rejected response. */
    rejected: string | null;
    /** The model that wrote the chosen response. */
    chosen: string | null;
    /** The model that summarised the preferences, or 'local'. */
    preferences: string;
    /** The checklist judge that kept an on-policy pair, if any. */
    judge: string | null;
  };
  filters: FilterResult[];
  /** True when every filter passed: only accepted pairs reach datasets and exports. */
  accepted: boolean;
  created_at: string;
}

const FEEDBACK_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['feedback_id', 'polarity', 'satisfaction', 'dissatisfaction', 'evidence'],
  properties: {
    feedback_id: { type: 'string', minLength: 1 },
    polarity: { enum: [...POLARITIES] },
    satisfaction: { type: 'array', uniqueItems: true, items: { enum: [...SAT_RUBRICS] } },
    dissatisfaction: { type: 'array', uniqueItems: true, items: { enum: [...DSAT_RUBRICS] } },
    evidence: { type: ['string', 'null'] },
  },
} as const;

export const FILTER_RESULT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['filter', 'verdict', 'detail'],
  properties: { filter: { type: 'string', minLength: 1 }, verdict: { enum: [...FILTER_VERDICTS] }, detail: { type: ['string', 'null'] } },
} as const;

export const PREFERENCE_PAIR_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://insitu.dev/schemas/preference-pair.schema.json',
  title: 'PreferencePair',
  description: 'A preference pair built from in-situ user feedback; published to insitu.preferences keyed by conversation_id.',
  type: 'object',
  additionalProperties: false,
  required: [
    'schema', 'version', 'pair_id', 'conversation_id', 'tenant', 'user', 'rejected_turn_id', 'feedback_turn_id', 'chosen_turn_id', 'prompt',
    'chosen', 'rejected', 'preferences', 'feedback', 'mode', 'models', 'filters', 'accepted', 'created_at',
  ],
  properties: {
    schema: { const: 'insitu.preference' },
    version: { const: PREFERENCE_PAIR_VERSION },
    pair_id: { type: 'string', pattern: '^pp_[A-Za-z0-9_-]{22}$' },
    conversation_id: { type: 'string', minLength: 1 },
    tenant: { type: 'string', minLength: 1 },
    user: { type: ['string', 'null'] },
    rejected_turn_id: { type: 'string', minLength: 1 },
    feedback_turn_id: { type: 'string', minLength: 1 },
    chosen_turn_id: { type: ['string', 'null'] },
    prompt: { type: 'array', minItems: 1, items: CHAT_MESSAGE_SCHEMA },
    chosen: ASSISTANT_MESSAGE_SCHEMA,
    rejected: ASSISTANT_MESSAGE_SCHEMA,
    preferences: { type: 'array', items: { type: 'string', minLength: 1 } },
    feedback: { type: 'array', minItems: 1, items: FEEDBACK_SCHEMA },
    mode: { enum: [...PAIR_MODES] },
    models: {
      type: 'object',
      additionalProperties: false,
      required: ['rejected', 'chosen', 'preferences', 'judge'],
      properties: { rejected: { type: ['string', 'null'] }, chosen: { type: ['string', 'null'] }, preferences: { type: 'string' }, judge: { type: ['string', 'null'] } },
    },
    filters: { type: 'array', items: FILTER_RESULT_SCHEMA },
    accepted: { type: 'boolean' },
    created_at: { type: 'string' },
  },
} as const;
