// Builds the TurnEvent of a finished exchange and hands it to the outbox (a spool write; publishing happens
// in the background). Called after the client has its response.
import type { Outbox } from '../src/bus/index.js';
import { TOPICS } from '../src/topics.js';
import { TURN_EVENT_VERSION, type RecordedMessage, type StitchMethod, type TurnEvent } from '../src/events/turn.js';
import type { Redactor } from '../src/redact/index.js';
import type { ReadCompletion } from './completion-reader.js';

/** Request fields recorded elsewhere in the event (or never: stream plumbing). */
const NOT_PARAMS = new Set(['messages', 'tools', 'user', 'stream', 'stream_options', 'model']);

export interface Exchange {
  turnId: string;
  conversationId: string;
  turnIndex: number;
  stitch: StitchMethod;
  tenant: string;
  user: string | null;
  body: Record<string, unknown> & { messages: RecordedMessage[] };
  stream: boolean;
  /** Remembered preferences the proxy prepended (INSITU_PERSONALIZE); 0 when none. */
  personalized?: number;
  completion: ReadCompletion;
  upstreamStatus: number | null;
  /** Overrides the model's finish_reason: client_abort, upstream_error, upstream_timeout. */
  endedBy: string | null;
  error: { message: string; type: string } | null;
  startedAt: number;
  firstByteAt: number | null;
  endedAt: number;
}

export function buildTurnEvent(x: Exchange): TurnEvent {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x.body)) if (!NOT_PARAMS.has(k)) params[k] = v;
  const [first, ...rest] = x.completion.choices;
  const event: TurnEvent = {
    schema: 'insitu.turn',
    version: TURN_EVENT_VERSION,
    turn_id: x.turnId,
    conversation_id: x.conversationId,
    turn_index: x.turnIndex,
    stitch: x.stitch,
    tenant: x.tenant,
    user: x.user,
    model_requested: typeof x.body.model === 'string' ? x.body.model : null,
    model_served: x.completion.model,
    request: { messages: x.body.messages, params },
    assistant: first?.message ?? null,
    finish_reason: x.endedBy ?? first?.finish_reason ?? null,
    usage: x.completion.usage,
    timings: {
      ttfb_ms: x.firstByteAt === null ? null : round(x.firstByteAt - x.startedAt),
      total_ms: round(x.endedAt - x.startedAt),
    },
    upstream_status: x.upstreamStatus,
    stream: x.stream,
    created_at: new Date(x.startedAt).toISOString(),
  };
  if (Array.isArray(x.body.tools)) event.request.tools = x.body.tools;
  if (rest.length > 0) event.extra_choices = rest;
  if (x.personalized) event.personalized = x.personalized;
  const error = x.error ?? x.completion.error;
  if (error) event.error = error;
  return event;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * Serializes an event within maxBytes: when too large, the longest string contents of messages are cut
 * (longest first, keeping their beginning) and the event is marked truncated. Never drops the event.
 */
export function serializeWithin(event: TurnEvent, maxBytes: number): string {
  let text = JSON.stringify(event);
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const copy = structuredClone(event);
  copy.truncated = true;
  const holders: { get: () => string; set: (s: string) => void }[] = [];
  const collect = (m: { content?: unknown }) => {
    if (typeof m.content === 'string') holders.push({ get: () => m.content as string, set: (s) => (m.content = s) });
    else if (Array.isArray(m.content))
      for (const part of m.content) if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') holders.push({ get: () => (part as { text: string }).text, set: (s) => ((part as { text: string }).text = s) });
  };
  copy.request.messages.forEach(collect);
  if (copy.assistant) collect(copy.assistant);
  for (const c of copy.extra_choices ?? []) collect(c.message);
  const marker = ' …[truncated by insitu]';
  for (let guard = 0; guard < 64; guard++) {
    text = JSON.stringify(copy);
    const excess = Buffer.byteLength(text) - maxBytes;
    if (excess <= 0) return text;
    const longest = holders.reduce((a, b) => (b.get().length > a.get().length ? b : a), holders[0]!);
    if (!longest || longest.get().length <= marker.length) break;
    const current = longest.get();
    const keep = Math.max(0, Math.min(current.length - excess - marker.length, Math.floor(current.length / 2)));
    longest.set(current.slice(0, keep) + marker);
  }
  // Still too large (huge tool definitions or params): drop them rather than the turn.
  delete copy.request.tools;
  copy.request.params = { dropped_by_insitu: 'too large' };
  return JSON.stringify(copy);
}

/** `redactor`: PII redaction (INSITU_REDACT) applied to a copy of the event before it is serialized; the
 * caller's event (and so anything sent upstream) is left as it is. */
export function createTurnRecorder(options: { outbox: Outbox; maxEventBytes: number; redactor?: Redactor }) {
  return {
    /** `traceHeaders`: the request span's traceparent, so consumers join its trace. */
    record(event: TurnEvent, traceHeaders?: Record<string, string>) {
      const published = options.redactor ? options.redactor.turn(event) : event;
      options.outbox.append({
        topic: TOPICS.turns,
        key: event.conversation_id,
        value: serializeWithin(published, options.maxEventBytes),
        headers: { ...traceHeaders, 'insitu-schema': 'insitu.turn', 'insitu-version': String(event.version), 'insitu-event-id': event.turn_id },
      });
    },
  };
}

export type TurnRecorder = ReturnType<typeof createTurnRecorder>;
