// TurnEvents for bench:detect, replayed from dev.jsonl conversations the way the proxy would have recorded
// them: turn k of a conversation carries the messages up to and including its k-th user message, and the
// assistant message that followed (null when the recording has none). Many conversations are interleaved,
// each one's turns in order, as live traffic of many users would be.
import type { LabelledConversation } from '../../consumers/feedback-detector/evaluate.js';
import type { RecordedMessage, TurnEvent } from '../../src/events/turn.js';
import { TURN_EVENT_VERSION } from '../../src/events/turn.js';
import { newTurnId } from '../../src/ids.js';

export const BENCH_TENANT = 'bench';

/** One recorded conversation as the sequence of requests an app would have sent. */
export interface ConversationScript {
  id: string;
  turns: { messages: RecordedMessage[]; assistant: string | null }[];
}

export function conversationScripts(conversations: readonly LabelledConversation[]): ConversationScript[] {
  const scripts: ConversationScript[] = [];
  for (const conv of conversations) {
    const messages: RecordedMessage[] = conv.conversation.map((m) => ({ role: m.role, content: m.content ?? '' }));
    const turns: ConversationScript['turns'] = [];
    messages.forEach((m, i) => {
      if (m.role !== 'user') return;
      const next = messages[i + 1];
      turns.push({ messages: messages.slice(0, i + 1), assistant: next?.role === 'assistant' ? String(next.content) : null });
    });
    if (turns.length > 0) scripts.push({ id: conv.conversation_id, turns });
  }
  return scripts;
}

export function buildTurnEvent(params: { conversationId: string; turnIndex: number; messages: RecordedMessage[]; assistant: string | null; now?: Date }): TurnEvent {
  const answered = params.assistant !== null;
  return {
    schema: 'insitu.turn',
    version: TURN_EVENT_VERSION,
    turn_id: newTurnId(),
    conversation_id: params.conversationId,
    turn_index: params.turnIndex,
    stitch: params.turnIndex === 0 ? 'new' : 'header',
    tenant: BENCH_TENANT,
    user: null,
    model_requested: 'bench-model',
    model_served: answered ? 'bench-model' : null,
    request: { messages: params.messages, params: { temperature: 0 } },
    assistant: answered ? { role: 'assistant', content: params.assistant } : null,
    finish_reason: answered ? 'stop' : null,
    usage: null,
    timings: { ttfb_ms: null, total_ms: 0 },
    upstream_status: answered ? 200 : null,
    stream: false,
    created_at: (params.now ?? new Date()).toISOString(),
  };
}

/** A turn ready to publish, and whether the feedback detector owes a FeedbackEvent for it. */
export interface ScriptedTurn {
  event: TurnEvent;
  /** An earlier turn of the conversation has an answer, so this turn's user message judges it. */
  expectsFeedback: boolean;
}

interface Slot {
  script: ConversationScript;
  conversationId: string;
  next: number;
  answeredBefore: boolean;
}

/**
 * Interleaves `concurrent` conversations round-robin; a finished conversation is replaced by the next script
 * (scripts are reused under new conversation ids once all were played). Conversation ids start with `prefix`.
 */
export function createTurnSource(params: { scripts: readonly ConversationScript[]; concurrent: number; prefix: string }): { next(): ScriptedTurn } {
  const { scripts, prefix } = params;
  if (scripts.length === 0) throw new Error('no conversations to replay');
  let played = 0;
  const open = (): Slot => {
    const script = scripts[played % scripts.length]!;
    const slot = { script, conversationId: `${prefix}-${played}-${script.id}`, next: 0, answeredBefore: false };
    played++;
    return slot;
  };
  const slots = Array.from({ length: Math.max(1, params.concurrent) }, open);
  let cursor = 0;
  return {
    next() {
      const i = cursor;
      cursor = (cursor + 1) % slots.length;
      const slot = slots[i]!;
      const turn = slot.script.turns[slot.next]!;
      const scripted = {
        event: buildTurnEvent({ conversationId: slot.conversationId, turnIndex: slot.next, messages: turn.messages, assistant: turn.assistant }),
        expectsFeedback: slot.answeredBefore,
      };
      slot.answeredBefore ||= turn.assistant !== null && turn.assistant.length > 0;
      slot.next++;
      if (slot.next >= slot.script.turns.length) slots[i] = open();
      return scripted;
    },
  };
}
