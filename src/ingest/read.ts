// Reading historical conversations for backfill: WildChat-style JSON lines. Accepts `conversation_id` or
// `conversation_hash`, `conversation` or `messages`, and keeps what a TurnEvent can carry: each message's
// role, text and timestamp, the conversation's model, user and timestamp. Unknown fields are ignored.
import { messageText } from '../conversation/turn-snapshot.js';

export interface HistoricalMessage {
  role: string;
  content: string | null;
  /** Epoch ms, when the message carried a timestamp. */
  at: number | null;
}

export interface HistoricalConversation {
  id: string;
  model: string | null;
  user: string | null;
  /** Epoch ms of the conversation, when given. */
  at: number | null;
  messages: HistoricalMessage[];
}

const MAX_ID = 128;

/** Epoch ms from an ISO string, epoch seconds or epoch ms; null otherwise. */
export function timestampOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value < 1e11 ? value * 1000 : value;
  if (typeof value === 'string' && value.trim() !== '') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  if (value && typeof value === 'object' && '$date' in value) return timestampOf((value as { $date: unknown }).$date);
  return null;
}

/** One input line as a conversation, or null when it is not one (counted as skipped by the caller). */
export function readHistoricalConversation(line: string, lineNumber: number): HistoricalConversation | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const list = Array.isArray(v.conversation) ? v.conversation : Array.isArray(v.messages) ? v.messages : null;
  if (!list) return null;
  const rawId = typeof v.conversation_id === 'string' ? v.conversation_id : typeof v.conversation_hash === 'string' ? v.conversation_hash : `line-${lineNumber}`;
  const messages = list
    .filter((m): m is Record<string, unknown> => !!m && typeof m === 'object')
    .map((m) => ({ role: typeof m.role === 'string' ? m.role : 'unknown', content: messageText(m.content), at: timestampOf(m.timestamp ?? m.created_at) }));
  return {
    id: rawId.slice(0, MAX_ID) || `line-${lineNumber}`,
    model: typeof v.model === 'string' ? v.model : null,
    user: typeof v.user === 'string' ? v.user : typeof v.hashed_ip === 'string' ? v.hashed_ip : null,
    at: timestampOf(v.timestamp ?? v.created_at),
    messages,
  };
}
