// What the dashboard keeps and sends of each event. Turns carry the whole conversation so far, which the live
// panel does not need and which would make the ring buffer's memory grow with conversation length; they are
// cut down to a row (ids, model, snippets). Feedback, pairs and training events are sent as published.
import { messageText } from '../../src/conversation/turn-snapshot.js';
import type { FeedbackEvent } from '../../src/events/feedback.js';
import type { PreferencePair } from '../../src/events/preference.js';
import type { TrainingEvent } from '../../src/events/training.js';
import type { TurnEvent } from '../../src/events/turn.js';

/** Snippets are long enough to recognise a message and short enough to keep 500 rows cheap. */
export const SNIPPET_CHARS = 400;

export interface TurnRow {
  turn_id: string;
  conversation_id: string;
  turn_index: number;
  tenant: string;
  user: string | null;
  model: string | null;
  user_message: string | null;
  answer: string | null;
  finish_reason: string | null;
  created_at: string;
}

export type DashboardEvent =
  | { kind: 'turn'; data: TurnRow }
  | { kind: 'feedback'; data: FeedbackEvent }
  | { kind: 'preference'; data: PreferencePair }
  | { kind: 'training'; data: TrainingEvent };

export type DashboardEventKind = DashboardEvent['kind'];

export function snippet(text: string | null | undefined, max = SNIPPET_CHARS): string | null {
  if (text === null || text === undefined) return null;
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function turnRow(turn: TurnEvent): TurnRow {
  const lastUser = [...turn.request.messages].reverse().find((m) => m.role === 'user');
  return {
    turn_id: turn.turn_id,
    conversation_id: turn.conversation_id,
    turn_index: turn.turn_index,
    tenant: turn.tenant,
    user: turn.user,
    model: turn.model_served ?? turn.model_requested,
    user_message: snippet(lastUser ? messageText(lastUser.content) : null),
    answer: snippet(turn.assistant?.content ?? turn.assistant?.refusal ?? null),
    finish_reason: turn.finish_reason,
    created_at: turn.created_at,
  };
}

/** The tenant an event belongs to; training jobs belong to no tenant. */
export function tenantOf(event: DashboardEvent): string | null {
  return event.kind === 'training' ? null : event.data.tenant;
}
