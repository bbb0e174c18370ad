// Explicit feedback: a rating (and optional comment) a chat UI sends for one answered turn, turned into the
// same FeedbackEvent in-situ detection produces (detector `explicit`), so it feeds pairs and examples alike.
// Pure: the rated turn's snapshot in, the event and a synthetic "feedback turn" snapshot. The synthetic
// turn is the rated exchange followed by the comment as the user's next message, which is exactly what the
// preference builder reads from a feedback turn (prompt, rejected response, the user's words).
import type { TurnSnapshot } from '../../src/conversation/turn-snapshot.js';
import { FEEDBACK_EVENT_VERSION, type FeedbackEvent } from '../../src/events/feedback.js';
import type { DsatRubric, Polarity, SatRubric } from '../../src/feedback/rubrics.js';
import { digest } from '../../src/ids.js';
import type { DetectionInput } from './detector.js';
import type { LocalDetection } from './local/index.js';

export const MAX_COMMENT_CHARS = 4000;
const THUMBS: Record<string, number> = { up: 1, thumbs_up: 1, '+1': 1, '👍': 1, down: -1, thumbs_down: -1, '-1': -1, '👎': -1 };

export interface ExplicitFeedbackInput {
  turn_id: string;
  /** -1..1, or thumbs: up / down (thumbs_up, thumbs_down, +1, -1). */
  rating: number;
  comment: string | null;
}

/** Why a request body is not explicit feedback, or null when it is; `input` is filled when valid. */
export function parseExplicitFeedback(body: unknown): { ok: true; input: ExplicitFeedbackInput } | { ok: false; message: string; param: string | null } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, message: 'The request body must be a JSON object.', param: null };
  const b = body as Record<string, unknown>;
  if (typeof b.turn_id !== 'string' || !/^turn_[0-9A-HJKMNP-TV-Z]{26}$/.test(b.turn_id)) {
    return { ok: false, message: "Invalid 'turn_id': expected the x-insitu-turn-id header of the rated answer (turn_ + 26 characters).", param: 'turn_id' };
  }
  let rating: number;
  if (typeof b.rating === 'number' && Number.isFinite(b.rating) && b.rating >= -1 && b.rating <= 1) rating = b.rating;
  else if (typeof b.rating === 'string' && THUMBS[b.rating.trim().toLowerCase()] !== undefined) rating = THUMBS[b.rating.trim().toLowerCase()]!;
  else return { ok: false, message: "Invalid 'rating': expected a number from -1 to 1, or 'up' / 'down'.", param: 'rating' };
  let comment: string | null = null;
  if (b.comment !== undefined && b.comment !== null) {
    if (typeof b.comment !== 'string') return { ok: false, message: "Invalid type for 'comment': expected a string.", param: 'comment' };
    if (b.comment.length > MAX_COMMENT_CHARS) return { ok: false, message: `'comment' is too long: at most ${MAX_COMMENT_CHARS} characters.`, param: 'comment' };
    comment = b.comment.trim() || null;
  }
  return { ok: true, input: { turn_id: b.turn_id, rating, comment } };
}

export const polarityOfRating = (rating: number): Polarity => (rating > 0 ? 'SAT' : rating < 0 ? 'DSAT' : 'NONE');

/** The synthetic user message standing for a rating without a comment. */
const ratingText = (rating: number) => (rating > 0 ? '(explicit feedback: thumbs up)' : rating < 0 ? '(explicit feedback: thumbs down)' : '(explicit feedback: neutral)');

/** The detection input of the rated exchange with the comment as the follow-up, for labelling the comment. */
export function explicitDetectionInput(rated: TurnSnapshot, comment: string): DetectionInput | null {
  if (rated.answer === null) return null;
  return { history: rated.messages, response: rated.answer, followUp: comment };
}

export function buildExplicitFeedback(params: {
  rated: TurnSnapshot;
  input: ExplicitFeedbackInput;
  /** The local detector's reading of the comment, when there is one. */
  commentDetection: LocalDetection | null;
  now?: Date;
}): { event: FeedbackEvent; feedbackTurn: TurnSnapshot } {
  const { rated, input, commentDetection } = params;
  const now = params.now ?? new Date();
  const polarity = polarityOfRating(input.rating);
  const key = `${rated.turn_id}>explicit>${input.rating}>${input.comment ?? ''}`;
  const feedbackTurnId = `turn_explicit_${digest(key)}`;
  // The comment's own labels where they agree with the rating; otherwise the rating's plain meaning.
  const satisfaction: SatRubric[] = polarity === 'SAT' ? (commentDetection?.satisfaction.length ? commentDetection.satisfaction : ['praise']) : [];
  const dissatisfaction: DsatRubric[] = polarity === 'DSAT' ? (commentDetection?.dissatisfaction.length ? commentDetection.dissatisfaction : ['negative_feedback']) : [];
  const followUp = input.comment ?? ratingText(input.rating);
  const event: FeedbackEvent = {
    schema: 'insitu.feedback',
    version: FEEDBACK_EVENT_VERSION,
    feedback_id: `fb_${digest(key)}`,
    conversation_id: rated.conversation_id,
    tenant: rated.tenant,
    user: rated.user,
    judged_turn_id: rated.turn_id,
    feedback_turn_id: feedbackTurnId,
    feedback_turn_index: rated.turn_index,
    state: 'FEEDBACK',
    satisfaction: [...new Set(satisfaction)],
    dissatisfaction: [...new Set(dissatisfaction)],
    intent: commentDetection?.intent ?? 'information_seeking',
    domain: commentDetection?.domain ?? 'other',
    summary:
      polarity === 'SAT'
        ? 'The user rated the response positively in the chat UI.'
        : polarity === 'DSAT'
          ? 'The user rated the response negatively in the chat UI.'
          : 'The user gave the response a neutral rating in the chat UI.',
    polarity,
    confidence: Math.min(1, Math.abs(input.rating)),
    evidence: polarity === 'NONE' ? null : (input.comment ?? ratingText(input.rating)),
    detector: 'explicit',
    detection_latency_ms: 0,
    created_at: now.toISOString(),
  };
  const feedbackTurn: TurnSnapshot = {
    ...rated,
    turn_id: feedbackTurnId,
    messages: [...rated.messages, { role: 'assistant', content: rated.answer ?? '' }, { role: 'user', content: followUp }],
    answer: null,
    finish_reason: null,
    judged: { turn_id: rated.turn_id, model_served: rated.model_served },
  };
  return { event, feedbackTurn };
}
