// FeedbackEvent: what the user's next message says about the previous assistant response (WildFeedback §3.1).
// Type and JSON Schema side by side; schemas/feedback-event.schema.json is generated from FEEDBACK_EVENT_SCHEMA.
import { CONVERSATION_STATES, DOMAINS, DSAT_RUBRICS, INTENTS, POLARITIES, SAT_RUBRICS } from '../feedback/rubrics.js';
import type { ConversationState, Domain, DsatRubric, Intent, Polarity, SatRubric } from '../feedback/rubrics.js';

export const FEEDBACK_EVENT_VERSION = 1 as const;

export interface FeedbackEvent {
  schema: 'insitu.feedback';
  version: typeof FEEDBACK_EVENT_VERSION;
  /** Deterministic from the two turn ids: the idempotency key downstream. */
  feedback_id: string;
  conversation_id: string;
  tenant: string;
  user: string | null;
  /** The turn whose assistant response is judged. */
  judged_turn_id: string;
  /** The turn whose user message carries the feedback. */
  feedback_turn_id: string;
  feedback_turn_index: number;
  state: ConversationState;
  satisfaction: SatRubric[];
  dissatisfaction: DsatRubric[];
  intent: Intent;
  domain: Domain;
  summary: string;
  polarity: Polarity;
  confidence: number;
  evidence: string | null;
  /** Which detector decided: local, llm, cascade:local, cascade:llm, explicit. */
  detector: string;
  detection_latency_ms: number;
  created_at: string;
}

export const FEEDBACK_EVENT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://insitu.dev/schemas/feedback-event.schema.json',
  title: 'FeedbackEvent',
  description: "The user's feedback on an assistant response, detected in their next message; published to insitu.feedback keyed by conversation_id.",
  type: 'object',
  additionalProperties: false,
  required: [
    'schema', 'version', 'feedback_id', 'conversation_id', 'tenant', 'user', 'judged_turn_id', 'feedback_turn_id', 'feedback_turn_index', 'state',
    'satisfaction', 'dissatisfaction', 'intent', 'domain', 'summary', 'polarity', 'confidence', 'evidence', 'detector', 'detection_latency_ms', 'created_at',
  ],
  properties: {
    schema: { const: 'insitu.feedback' },
    version: { const: FEEDBACK_EVENT_VERSION },
    feedback_id: { type: 'string', pattern: '^fb_[A-Za-z0-9_-]{22}$' },
    conversation_id: { type: 'string', minLength: 1 },
    tenant: { type: 'string', minLength: 1 },
    user: { type: ['string', 'null'] },
    judged_turn_id: { type: 'string' },
    feedback_turn_id: { type: 'string' },
    feedback_turn_index: { type: 'integer', minimum: 0 },
    state: { enum: [...CONVERSATION_STATES] },
    satisfaction: { type: 'array', uniqueItems: true, items: { enum: [...SAT_RUBRICS] } },
    dissatisfaction: { type: 'array', uniqueItems: true, items: { enum: [...DSAT_RUBRICS] } },
    intent: { enum: [...INTENTS] },
    domain: { enum: [...DOMAINS] },
    summary: { type: 'string' },
    polarity: { enum: [...POLARITIES] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    evidence: { type: ['string', 'null'] },
    detector: { type: 'string', minLength: 1 },
    detection_latency_ms: { type: 'number', minimum: 0 },
    created_at: { type: 'string' },
  },
} as const;
