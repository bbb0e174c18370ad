// TrainingExample: a single-response example for the SFT stage or for hindsight self-distillation, published
// to insitu.examples keyed by conversation_id.
//  - sft: a response the user was satisfied with, as (prompt, response).
//  - hindsight: every response followed by a user turn, as (context, response, follow-up, feedback labels):
//    the follow-up lets a model revise the response in hindsight ("Aligning Language Models from User
//    Interactions").
import { CONVERSATION_STATES, DSAT_RUBRICS, POLARITIES, SAT_RUBRICS } from '../feedback/rubrics.js';
import type { ConversationState, DsatRubric, Polarity, SatRubric } from '../feedback/rubrics.js';
import { ASSISTANT_MESSAGE_SCHEMA, CHAT_MESSAGE_SCHEMA, type ChatMessage } from './chat.js';
import { FILTER_RESULT_SCHEMA, type FilterResult } from './preference.js';

export const TRAINING_EXAMPLE_VERSION = 1 as const;

export const EXAMPLE_KINDS = ['sft', 'hindsight'] as const;
export type ExampleKind = (typeof EXAMPLE_KINDS)[number];

export interface TrainingExample {
  schema: 'insitu.example';
  version: typeof TRAINING_EXAMPLE_VERSION;
  /** Deterministic from the response's turn and the kind. */
  example_id: string;
  kind: ExampleKind;
  conversation_id: string;
  tenant: string;
  user: string | null;
  /** The turn whose response this is. */
  turn_id: string;
  /** The feedback on it (from the user's next turn). */
  feedback_id: string;
  /** The conversation up to and including the user query the response answered. */
  prompt: ChatMessage[];
  response: ChatMessage & { role: 'assistant' };
  /** The user's next message (hindsight); null for sft. */
  follow_up: string | null;
  labels: { state: ConversationState; polarity: Polarity; satisfaction: SatRubric[]; dissatisfaction: DsatRubric[] };
  model: string | null;
  filters: FilterResult[];
  accepted: boolean;
  created_at: string;
}

export const TRAINING_EXAMPLE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://insitu.dev/schemas/training-example.schema.json',
  title: 'TrainingExample',
  description: 'An SFT or hindsight example built from in-situ user feedback; published to insitu.examples keyed by conversation_id.',
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'version', 'example_id', 'kind', 'conversation_id', 'tenant', 'user', 'turn_id', 'feedback_id', 'prompt', 'response', 'follow_up', 'labels', 'model', 'filters', 'accepted', 'created_at'],
  properties: {
    schema: { const: 'insitu.example' },
    version: { const: TRAINING_EXAMPLE_VERSION },
    example_id: { type: 'string', pattern: '^(sft|hs)_[A-Za-z0-9_-]{22}$' },
    kind: { enum: [...EXAMPLE_KINDS] },
    conversation_id: { type: 'string', minLength: 1 },
    tenant: { type: 'string', minLength: 1 },
    user: { type: ['string', 'null'] },
    turn_id: { type: 'string', minLength: 1 },
    feedback_id: { type: 'string', minLength: 1 },
    prompt: { type: 'array', minItems: 1, items: CHAT_MESSAGE_SCHEMA },
    response: ASSISTANT_MESSAGE_SCHEMA,
    follow_up: { type: ['string', 'null'] },
    labels: {
      type: 'object',
      additionalProperties: false,
      required: ['state', 'polarity', 'satisfaction', 'dissatisfaction'],
      properties: {
        state: { enum: [...CONVERSATION_STATES] },
        polarity: { enum: [...POLARITIES] },
        satisfaction: { type: 'array', uniqueItems: true, items: { enum: [...SAT_RUBRICS] } },
        dissatisfaction: { type: 'array', uniqueItems: true, items: { enum: [...DSAT_RUBRICS] } },
      },
    },
    model: { type: ['string', 'null'] },
    filters: { type: 'array', items: FILTER_RESULT_SCHEMA },
    accepted: { type: 'boolean' },
    created_at: { type: 'string' },
  },
} as const;
