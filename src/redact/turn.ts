// A redacted copy of a TurnEvent: every string a user or a model wrote (message contents including the text
// parts of multimodal content, tool-call arguments, assistant content and refusal, extra choices, the error
// message, string values in params). Structural strings (roles, ids, types, function names) and binary
// payloads (image URLs, audio data) are kept. The original event is not touched.
import type { TurnEvent } from '../events/turn.js';

/** Keys whose string values are structure or payload, not prose. */
const STRUCTURAL = new Set(['role', 'type', 'id', 'tool_call_id', 'name', 'url', 'data', 'file_data', 'file_id', 'filename', 'detail', 'format']);

type Redact = (s: string) => string;

function walk(value: unknown, redact: Redact, skip: ReadonlySet<string>): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, redact, skip));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = skip.has(k) && typeof v === 'string' ? v : walk(v, redact, skip);
    return out;
  }
  return value;
}

const NOTHING = new Set<string>();

export function redactTurnEvent(event: TurnEvent, redact: Redact): TurnEvent {
  const copy: TurnEvent = {
    ...event,
    request: {
      ...event.request,
      messages: event.request.messages.map((m) => walk(m, redact, STRUCTURAL) as TurnEvent['request']['messages'][number]),
      params: walk(event.request.params, redact, NOTHING) as Record<string, unknown>,
    },
    assistant: event.assistant && (walk(event.assistant, redact, STRUCTURAL) as TurnEvent['assistant']),
  };
  // Tool definitions are the developer's, not the user's: kept as they are (deep-copied all the same).
  if (event.request.tools) copy.request.tools = structuredClone(event.request.tools);
  if (event.extra_choices) copy.extra_choices = event.extra_choices.map((c) => ({ ...c, message: walk(c.message, redact, STRUCTURAL) as typeof c.message }));
  if (event.error) copy.error = { ...event.error, message: redact(event.error.message) };
  return copy;
}
