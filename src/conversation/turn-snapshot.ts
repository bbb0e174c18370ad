// A turn as later pipeline steps need it, kept in state: the conversation as plain chat messages and the
// answer. The feedback detector saves the snapshot of every turn it judges from BEFORE it publishes the
// FeedbackEvent, so a consumer of insitu.feedback always finds the feedback turn's snapshot in state without
// re-reading insitu.turns (and without depending on the order of two topics).
import type { ChatMessage } from '../events/chat.js';
import type { RecordedMessage, TurnEvent } from '../events/turn.js';
import type { StateStore } from '../state/types.js';

export interface TurnSnapshot {
  turn_id: string;
  conversation_id: string;
  turn_index: number;
  tenant: string;
  user: string | null;
  model_requested: string | null;
  model_served: string | null;
  /** The request's messages as the app sent them, text only (tool traffic and non-text parts dropped). */
  messages: ChatMessage[];
  /** The assistant's answer to them; null when there was none (error, tool call only). */
  answer: string | null;
  finish_reason: string | null;
  /** The turn whose answer this turn's user message judged, when the detector knew it. */
  judged: { turn_id: string; model_served: string | null } | null;
}

/** The text of a message's content: a string, or the text parts of a multimodal array; null otherwise. */
export function messageText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const text = content
      .filter((p): p is { type: string; text: string } => !!p && typeof p === 'object' && (p as { type?: unknown }).type === 'text' && typeof (p as { text?: unknown }).text === 'string')
      .map((p) => p.text)
      .join('\n');
    return text || null;
  }
  return null;
}

const CHAT_ROLES = new Set(['system', 'developer', 'user', 'assistant']);

/** Plain chat messages: developer counts as system; tool results and tool-call-only assistant turns are dropped. */
export function chatMessages(messages: RecordedMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const m of messages) {
    if (!CHAT_ROLES.has(m.role)) continue;
    const text = messageText(m.content);
    if (text === null || text.trim() === '') continue;
    out.push({ role: m.role === 'developer' ? 'system' : (m.role as ChatMessage['role']), content: text });
  }
  return out;
}

export function snapshotOf(turn: TurnEvent, judged: TurnSnapshot['judged'] = null): TurnSnapshot {
  const answer = turn.assistant && typeof turn.assistant.content === 'string' && turn.assistant.content.trim() !== '' ? turn.assistant.content : null;
  return {
    turn_id: turn.turn_id,
    conversation_id: turn.conversation_id,
    turn_index: turn.turn_index,
    tenant: turn.tenant,
    user: turn.user,
    model_requested: turn.model_requested,
    model_served: turn.model_served,
    messages: chatMessages(turn.request.messages),
    answer,
    finish_reason: turn.finish_reason,
    judged,
  };
}

export const turnSnapshotKey = (turnId: string) => `insitu:turn:${turnId}`;

export async function saveTurnSnapshot(state: StateStore, snapshot: TurnSnapshot, ttlMs: number): Promise<void> {
  await state.set(turnSnapshotKey(snapshot.turn_id), JSON.stringify(snapshot), { ttlMs });
}

export async function loadTurnSnapshot(state: StateStore, turnId: string): Promise<TurnSnapshot | null> {
  const raw = await state.get(turnSnapshotKey(turnId));
  return raw === null ? null : (JSON.parse(raw) as TurnSnapshot);
}
