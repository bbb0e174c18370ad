// The feedback detector's pure core. For each turn of a conversation, in order: if the newest user message
// follows an assistant response this consumer remembers, that response is judged against it. State per
// conversation is only the last turn's id, index and served answer (the history itself rides in the turn).
import { digest } from '../../src/ids.js';
import type { FeedbackEvent } from '../../src/events/feedback.js';
import { FEEDBACK_EVENT_VERSION } from '../../src/events/feedback.js';
import type { RecordedMessage, TurnEvent } from '../../src/events/turn.js';
import { messageText } from '../../src/conversation/turn-snapshot.js';
import type { Detection, DetectionInput, DetectionMessage } from './detector.js';

/** What the consumer keeps of a conversation's latest answered turn. */
export interface TurnMemory {
  turn_id: string;
  turn_index: number;
  assistant: string;
  /** The model that served the answer (absent in memories written by older versions). */
  model?: string | null;
}

export type FeedbackPlan =
  | { kind: 'skip'; reason: 'no_user_message' | 'first_turn' | 'stale' ; remember: TurnMemory | null }
  | { kind: 'judge'; input: DetectionInput; judged: TurnMemory; remember: TurnMemory | null };


const memoryOf = (turn: TurnEvent): TurnMemory | null =>
  turn.assistant && typeof turn.assistant.content === 'string' && turn.assistant.content.length > 0
    ? { turn_id: turn.turn_id, turn_index: turn.turn_index, assistant: turn.assistant.content, model: turn.model_served }
    : null;

/** Decides, without I/O, whether this turn's user message judges the previous response. */
export function planFeedback(turn: TurnEvent, previous: TurnMemory | null): FeedbackPlan {
  const messages: RecordedMessage[] = turn.request.messages;
  const remember = memoryOf(turn);
  if (previous && previous.turn_index >= turn.turn_index) return { kind: 'skip', reason: 'stale', remember: null };
  const last = messages[messages.length - 1];
  const followUp = last && last.role === 'user' ? messageText(last.content) : null;
  if (followUp === null) return { kind: 'skip', reason: 'no_user_message', remember };
  if (!previous) return { kind: 'skip', reason: 'first_turn', remember };
  // History: everything before the judged answer as the app sent it back (the last assistant message).
  let judgedAt = messages.length - 2;
  while (judgedAt >= 0 && messages[judgedAt]!.role !== 'assistant') judgedAt--;
  const history: DetectionMessage[] = messages.slice(0, Math.max(0, judgedAt)).map((m) => ({ role: m.role, content: messageText(m.content) }));
  return { kind: 'judge', input: { history, response: previous.assistant, followUp }, judged: previous, remember };
}

export function feedbackId(judgedTurnId: string, feedbackTurnId: string): string {
  return `fb_${digest(`${judgedTurnId}>${feedbackTurnId}`)}`;
}

export function buildFeedbackEvent(turn: TurnEvent, judged: TurnMemory, detection: Detection, detector: string, latencyMs: number, now: Date = new Date()): FeedbackEvent {
  return {
    schema: 'insitu.feedback',
    version: FEEDBACK_EVENT_VERSION,
    feedback_id: feedbackId(judged.turn_id, turn.turn_id),
    conversation_id: turn.conversation_id,
    tenant: turn.tenant,
    user: turn.user,
    judged_turn_id: judged.turn_id,
    feedback_turn_id: turn.turn_id,
    feedback_turn_index: turn.turn_index,
    state: detection.state,
    satisfaction: [...new Set(detection.satisfaction)],
    dissatisfaction: [...new Set(detection.dissatisfaction)],
    intent: detection.intent,
    domain: detection.domain,
    summary: detection.summary,
    polarity: detection.polarity,
    confidence: Math.min(1, Math.max(0, detection.confidence)),
    evidence: detection.evidence,
    detector: detection.decider ?? detector,
    detection_latency_ms: Math.round(latencyMs * 1000) / 1000,
    created_at: now.toISOString(),
  };
}
