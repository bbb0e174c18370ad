// TurnEvent: one completed (or aborted, or failed) chat exchange, as the proxy saw it.
// The TypeScript type and the JSON Schema live side by side; schemas/turn-event.schema.json is written
// from TURN_EVENT_SCHEMA by `insitu schemas --write`, and a test checks that the file, the schema and
// real events produced by the proxy agree.

export const TURN_EVENT_VERSION = 1 as const;

/** A chat message as recorded: the OpenAI wire shape, unknown fields kept. */
export interface RecordedMessage {
  role: string;
  content?: unknown;
  name?: string;
  tool_calls?: RecordedToolCall[];
  tool_call_id?: string;
  [extra: string]: unknown;
}

export interface RecordedToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}

export interface AssistantMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: RecordedToolCall[];
  refusal?: string | null;
}

export interface TurnChoice {
  index: number;
  message: AssistantMessage;
  finish_reason: string | null;
}

/** How the proxy decided which conversation a request continues. */
export type StitchMethod = 'header' | 'derived' | 'new';

/**
 * Why a turn ended: the model's own finish_reason (stop, length, tool_calls, content_filter, ...), or one of
 * the proxy's: client_abort (client disconnected mid-response), upstream_error (the upstream answered an
 * error status or broke off), upstream_timeout.
 */
export type FinishReason = string;

export interface TurnEvent {
  schema: 'insitu.turn';
  version: typeof TURN_EVENT_VERSION;
  turn_id: string;
  conversation_id: string;
  turn_index: number;
  stitch: StitchMethod;
  tenant: string;
  user: string | null;
  model_requested: string | null;
  model_served: string | null;
  request: {
    messages: RecordedMessage[];
    /** Tool definitions offered to the model, when any. */
    tools?: unknown[];
    /** Sampling and output parameters (temperature, max_tokens, n, response_format, ...). */
    params: Record<string, unknown>;
  };
  /** The first choice's message; null when the upstream produced none (error before any content). */
  assistant: AssistantMessage | null;
  finish_reason: FinishReason | null;
  /** Choices 1..n-1 when the request asked for n > 1. */
  extra_choices?: TurnChoice[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  timings: { ttfb_ms: number | null; total_ms: number };
  upstream_status: number | null;
  stream: boolean;
  /** Set when message contents were shortened to fit INSITU_MAX_EVENT_BYTES. */
  truncated?: boolean;
  /** Remembered user preferences the proxy prepended as a system message (INSITU_PERSONALIZE); the recorded
   * request.messages are the app's own. */
  personalized?: number;
  /** Upstream error summary (never contains credentials). */
  error?: { message: string; type: string };
  created_at: string;
}

const toolCallSchema = {
  type: 'object',
  required: ['id', 'type', 'function'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    function: {
      type: 'object',
      required: ['name', 'arguments'],
      properties: { name: { type: 'string' }, arguments: { type: 'string' } },
    },
  },
} as const;

const assistantSchema = {
  type: 'object',
  required: ['role', 'content'],
  additionalProperties: false,
  properties: {
    role: { const: 'assistant' },
    content: { type: ['string', 'null'] },
    tool_calls: { type: 'array', items: toolCallSchema },
    refusal: { type: ['string', 'null'] },
  },
} as const;

export const TURN_EVENT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://insitu.dev/schemas/turn-event.schema.json',
  title: 'TurnEvent',
  description: 'One chat exchange recorded by the Insitu proxy; published to insitu.turns keyed by conversation_id.',
  type: 'object',
  additionalProperties: false,
  required: [
    'schema', 'version', 'turn_id', 'conversation_id', 'turn_index', 'stitch', 'tenant', 'user', 'model_requested',
    'model_served', 'request', 'assistant', 'finish_reason', 'usage', 'timings', 'upstream_status', 'stream', 'created_at',
  ],
  properties: {
    schema: { const: 'insitu.turn' },
    version: { const: TURN_EVENT_VERSION },
    turn_id: { type: 'string', pattern: '^turn_[0-9A-HJKMNP-TV-Z]{26}$', description: 'ULID: sortable by creation time.' },
    conversation_id: { type: 'string', minLength: 1, maxLength: 128 },
    turn_index: { type: 'integer', minimum: 0 },
    stitch: { enum: ['header', 'derived', 'new'] },
    tenant: { type: 'string', minLength: 1 },
    user: { type: ['string', 'null'] },
    model_requested: { type: ['string', 'null'] },
    model_served: { type: ['string', 'null'] },
    request: {
      type: 'object',
      required: ['messages', 'params'],
      additionalProperties: false,
      properties: {
        messages: { type: 'array', items: { type: 'object', required: ['role'], properties: { role: { type: 'string' } } } },
        tools: { type: 'array' },
        params: { type: 'object' },
      },
    },
    assistant: { oneOf: [{ type: 'null' }, assistantSchema] },
    finish_reason: { type: ['string', 'null'] },
    extra_choices: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'message', 'finish_reason'],
        additionalProperties: false,
        properties: { index: { type: 'integer' }, message: assistantSchema, finish_reason: { type: ['string', 'null'] } },
      },
    },
    usage: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['prompt_tokens', 'completion_tokens', 'total_tokens'],
          properties: {
            prompt_tokens: { type: 'integer', minimum: 0 },
            completion_tokens: { type: 'integer', minimum: 0 },
            total_tokens: { type: 'integer', minimum: 0 },
          },
        },
      ],
    },
    timings: {
      type: 'object',
      required: ['ttfb_ms', 'total_ms'],
      additionalProperties: false,
      properties: { ttfb_ms: { type: ['number', 'null'], minimum: 0 }, total_ms: { type: 'number', minimum: 0 } },
    },
    upstream_status: { type: ['integer', 'null'] },
    stream: { type: 'boolean' },
    truncated: { type: 'boolean' },
    personalized: { type: 'integer', minimum: 1 },
    error: {
      type: 'object',
      required: ['message', 'type'],
      additionalProperties: false,
      properties: { message: { type: 'string' }, type: { type: 'string' } },
    },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;
