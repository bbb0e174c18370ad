// A historical conversation as the TurnEvents the proxy would have recorded live: one per assistant message,
// its request being every message before it, timestamped with the original time (the message's, else the
// conversation's, spread a second apart per turn so order survives). Ids are deterministic, so replaying a
// conversation again yields the same turns and the detector's re-delivery guard ignores them.
import { TURN_EVENT_VERSION, type TurnEvent } from '../events/turn.js';
import { deterministicUlid } from '../ids.js';
import type { Redactor } from '../redact/index.js';
import type { HistoricalConversation } from './read.js';

export function historicalTurns(conversation: HistoricalConversation, options: { tenant: string; fallbackAt: number; redactor?: Redactor | undefined }): TurnEvent[] {
  const turns: TurnEvent[] = [];
  const base = conversation.at ?? conversation.messages.find((m) => m.at !== null)?.at ?? options.fallbackAt;
  conversation.messages.forEach((message, i) => {
    if (message.role !== 'assistant' || i === 0) return;
    const request = conversation.messages.slice(0, i);
    if (!request.some((m) => m.role === 'user')) return;
    const turnIndex = turns.length;
    const at = message.at ?? base + turnIndex * 1000;
    turns.push({
      schema: 'insitu.turn',
      version: TURN_EVENT_VERSION,
      turn_id: `turn_${deterministicUlid(at, `${options.tenant}>${conversation.id}>${i}`)}`,
      conversation_id: conversation.id,
      turn_index: turnIndex,
      stitch: 'header',
      tenant: options.tenant,
      user: conversation.user,
      model_requested: conversation.model,
      model_served: conversation.model,
      request: { messages: request.map((m) => ({ role: m.role, content: m.content ?? '' })), params: { ingested: true } },
      assistant: { role: 'assistant', content: message.content ?? '' },
      finish_reason: 'stop',
      usage: null,
      timings: { ttfb_ms: null, total_ms: 0 },
      upstream_status: 200,
      stream: false,
      created_at: new Date(at).toISOString(),
    });
  });
  // Ids and timestamps come from the original text's position, not its content: redaction keeps them stable.
  return options.redactor ? turns.map((t) => options.redactor!.turn(t)) : turns;
}
