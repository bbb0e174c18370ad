// A redacted copy of a TurnEvent: every string a user or a model wrote (message contents including the text
// parts of multimodal content, tool-call arguments, assistant content and refusal, extra choices, the error
// message, string values in params). Structural strings (roles, ids, types, function names) and binary
// payloads (image URLs, audio data) are kept. Identity fields (the event's `user`, a message's `name`) go
// through `identity`: a keyed pseudonym when they hold personal data. The original event is not touched.
import type { TurnEvent } from '../events/turn.js';

/** Keys whose string values are structure or payload, not prose. */
const STRUCTURAL = new Set(['role', 'type', 'id', 'tool_call_id', 'name', 'url', 'data', 'file_data', 'file_id', 'filename', 'detail', 'format']);

type Redact = (s: string) => string;

/** A message (request, assistant, extra choice) redacted, its `name` (a participant) pseudonymised. */
function redactMessage<M>(message: M, redact: Redact, identity: Redact): M {
  const out = walk(message, redact, STRUCTURAL) as Record<string, unknown> | null;
  if (out && typeof out.name === 'string') out.name = identity(out.name);
  return out as M;
}

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

export function redactTurnEvent(event: TurnEvent, redact: Redact, identity: Redact): TurnEvent {
  const copy: TurnEvent = {
    ...event,
    user: event.user === null ? null : identity(event.user),
    request: {
      ...event.request,
      messages: event.request.messages.map((m) => redactMessage(m, redact, identity)),
      params: walk(event.request.params, redact, NOTHING) as Record<string, unknown>,
    },
    assistant: event.assistant && redactMessage(event.assistant, redact, identity),
  };
  // Tool definitions are the developer's, not the user's: kept as they are (deep-copied all the same).
  if (event.request.tools) copy.request.tools = structuredClone(event.request.tools);
  if (event.extra_choices) copy.extra_choices = event.extra_choices.map((c) => ({ ...c, message: redactMessage(c.message, redact, identity) }));
  if (event.error) copy.error = { ...event.error, message: redact(event.error.message) };
  return copy;
}
