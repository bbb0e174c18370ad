// POST /v1/insitu/feedback {turn_id, rating, comment?}: explicit feedback from chat UIs (thumbs, stars
// mapped to -1..1). The rated turn is looked up in state (the feedback detector keeps every turn's snapshot),
// within the caller's tenant only; the FeedbackEvent (detector `explicit`) goes through the same durable
// outbox as turns, after the synthetic feedback turn is saved, so the preference builder always finds it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildExplicitFeedback, explicitDetectionInput, parseExplicitFeedback } from '../consumers/feedback-detector/explicit.js';
import { createLocalDetector } from '../consumers/feedback-detector/local/index.js';
import type { Outbox } from '../src/bus/outbox.js';
import { loadTurnSnapshot, saveTurnSnapshot } from '../src/conversation/turn-snapshot.js';
import { RequestError } from '../src/errors.js';
import type { Logger } from '../src/log.js';
import type { Redactor } from '../src/redact/index.js';
import type { StateStore } from '../src/state/types.js';
import { withTimeout } from '../src/timeout.js';
import { TOPICS } from '../src/topics.js';
import { tenantOf } from './chat-request.js';
import { errorBody, readBody, sendError, sendRequestError } from './http-errors.js';

const MAX_BODY_BYTES = 16 * 1024;

export function createExplicitFeedbackHandler(deps: { state: StateStore; outbox: Outbox; defaultTenant: string; snapshotTtlMs: number; timeoutMs: number; logger: Logger; redactor?: Redactor }) {
  const detector = createLocalDetector();
  return async function handleExplicitFeedback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let tenant: string;
    let body: unknown;
    try {
      tenant = tenantOf(req.headers, deps.defaultTenant);
      const raw = await readBody(req, MAX_BODY_BYTES);
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new RequestError(400, 'We could not parse the JSON body of your request: it is not valid JSON.', 'invalid_request_error', 'invalid_json');
      }
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      return sendRequestError(res, error, error.status === 413 ? { connection: 'close' } : {});
    }
    const parsed = parseExplicitFeedback(body);
    if (!parsed.ok) return sendError(res, 400, errorBody(parsed.message, 'invalid_request_error', 'invalid_value', parsed.param));
    // The comment becomes evidence and a synthetic user message: redacted first (the local detector reads
    // the original, in memory only).
    const original = parsed.input;
    const input = original.comment && deps.redactor ? { ...original, comment: deps.redactor.text(original.comment, tenant).text } : original;

    let rated;
    try {
      rated = await withTimeout(loadTurnSnapshot(deps.state, input.turn_id), deps.timeoutMs);
    } catch (error) {
      deps.logger.warn('explicit feedback: state unavailable', { error: (error as Error).message });
      return sendError(res, 503, errorBody('Feedback cannot be recorded right now: the state store is unavailable. Retry shortly.', 'server_error', 'state_unavailable'), { 'retry-after': '1' });
    }
    // Another tenant's turn is reported as unknown, so turn ids cannot be probed across tenants.
    if (!rated || rated.tenant !== tenant) {
      return sendError(res, 404, errorBody(`No turn '${input.turn_id}' is known (yet) for this tenant: ratings apply to answered turns, recorded within moments of the answer and kept for INSITU_TURN_SNAPSHOT_TTL_S.`, 'invalid_request_error', 'turn_not_found', 'turn_id'));
    }
    if (rated.answer === null) return sendError(res, 409, errorBody(`Turn '${input.turn_id}' has no assistant answer to rate.`, 'invalid_request_error', 'turn_not_rateable', 'turn_id'));

    const detectionInput = original.comment ? explicitDetectionInput(rated, original.comment) : null;
    const { event, feedbackTurn } = buildExplicitFeedback({ rated, input, commentDetection: detectionInput ? detector.detectSync(detectionInput) : null });
    try {
      await withTimeout(saveTurnSnapshot(deps.state, feedbackTurn, deps.snapshotTtlMs), deps.timeoutMs);
    } catch (error) {
      deps.logger.warn('explicit feedback: state unavailable', { error: (error as Error).message });
      return sendError(res, 503, errorBody('Feedback cannot be recorded right now: the state store is unavailable. Retry shortly.', 'server_error', 'state_unavailable'), { 'retry-after': '1' });
    }
    deps.outbox.append({
      topic: TOPICS.feedback,
      key: event.conversation_id,
      value: JSON.stringify(event),
      headers: { 'insitu-schema': 'insitu.feedback', 'insitu-version': String(event.version), 'insitu-event-id': event.feedback_id },
    });
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: event.feedback_id, object: 'insitu.feedback', turn_id: event.judged_turn_id, conversation_id: event.conversation_id, polarity: event.polarity, satisfaction: event.satisfaction, dissatisfaction: event.dissatisfaction }));
  };
}
