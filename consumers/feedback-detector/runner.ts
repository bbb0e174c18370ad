// The feedback detector on the bus: consumes insitu.turns (in order per conversation, since turns are keyed
// by conversation), keeps each conversation's last answered turn in state, publishes FeedbackEvents to
// insitu.feedback. Re-delivered turns publish nothing new: a turn already judged is marked in state, an older
// one is stale against the remembered index, and feedback ids are deterministic for consumers downstream.
// A turn that is not a valid TurnEvent, or whose handling keeps failing (INSITU_DLQ_MAX_ATTEMPTS), goes to
// insitu.dlq and the detector moves on (src/bus/dead-letter/guard.ts).
import { configSecrets } from '../../src/secrets.js';
import { performance } from 'node:perf_hooks';
import type { DeliveredRecord, OutgoingRecord } from '../../src/bus/types.js';
import { traceHeaders, withRecordSpan } from '../../src/telemetry/tracing.js';
import { validateTurnEvent } from '../../src/events/validate.js';
import { createPoisonGuard } from '../../src/bus/dead-letter/index.js';
import type { Runtime } from '../../src/runtime.js';
import { TOPICS } from '../../src/topics.js';
import type { ConsumerDefinition, RunningConsumer } from '../index.js';
import { buildFeedbackEvent, planFeedback, type TurnMemory } from './core.js';
import type { Detector } from './detector.js';
import { chooseDetector } from './choose.js';
import { createLocalDetector } from './local/index.js';
import { saveTurnSnapshot, snapshotOf, type TurnSnapshot } from '../../src/conversation/turn-snapshot.js';

export const FEEDBACK_DETECTOR_GROUP = 'insitu.feedback-detector';

/** Where the detector remembers a conversation's last answered turn. */
export const memoryKey = (tenant: string, conversationId: string) => `insitu:fd:last:${tenant}:${conversationId}`;
const doneKey = (turnId: string) => `insitu:fd:done:${turnId}`;

export async function startFeedbackDetector(runtime: Runtime, detector: Detector = createLocalDetector()): Promise<RunningConsumer> {
  const { bus, state, config } = runtime;
  const log = runtime.logger.child('feedback-detector');
  const ttlMs = config.conversationTtlSeconds * 1000;
  let detectionErrors = 0;
  const guard = createPoisonGuard({ bus, group: FEEDBACK_DETECTOR_GROUP, maxAttempts: config.dlqMaxAttempts, logger: log, secrets: configSecrets(config) });

  const subscription = await bus.subscribe({
    group: FEEDBACK_DETECTOR_GROUP,
    topics: [TOPICS.turns],
    fromBeginning: true,
    handler: async (records) => {
      const out: OutgoingRecord[] = [];
      const memories = new Map<string, TurnMemory | null>(); // this batch's view, written after publishing
      const judged: string[] = [];
      const snapshots: TurnSnapshot[] = [];
      // One consumer span per turn, child of the proxied request's span (traceparent in the turn's headers).
      // A turn's effects go into the batch's lists only once it is handled in full, so a turn that throws (and
      // is dead-lettered after its attempts) leaves nothing behind for the others to publish.
      const handle = async (record: DeliveredRecord): Promise<void> => {
        const turn = await guard.read(record, validateTurnEvent, 'TurnEvent');
        if (!turn) return;
        if (await state.get(doneKey(turn.turn_id))) return;
        const key = memoryKey(turn.tenant, turn.conversation_id);
        let previous = memories.get(key);
        if (previous === undefined) {
          const stored = await state.get(key);
          previous = stored ? (JSON.parse(stored) as TurnMemory) : null;
        }
        const plan = planFeedback(turn, previous);
        const remember = () => {
          if (plan.remember) memories.set(key, plan.remember);
          else if (!memories.has(key)) memories.set(key, previous);
        };
        if (plan.kind !== 'judge') {
          // Every turn's snapshot is kept, judged or not: explicit feedback (POST /v1/insitu/feedback) may rate it.
          const snapshot = snapshotOf(turn);
          remember();
          snapshots.push(snapshot);
          return;
        }
        const started = performance.now();
        let detection;
        try {
          detection = await detector.detect(plan.input);
        } catch (error) {
          // A detection error (the judge failed every attempt) is recorded and the turn is passed over.
          detectionErrors++;
          log.warn('detection failed; turn passed over', { turn_id: turn.turn_id, error, detection_errors: detectionErrors });
          remember();
          return;
        }
        const event = buildFeedbackEvent(turn, plan.judged, detection, detector.name, performance.now() - started);
        const snapshot = snapshotOf(turn, { turn_id: plan.judged.turn_id, model_served: plan.judged.model ?? null });
        const feedbackRecord: OutgoingRecord = { topic: TOPICS.feedback, key: turn.conversation_id, value: JSON.stringify(event), headers: { ...traceHeaders(), 'insitu-schema': 'insitu.feedback', 'insitu-version': String(event.version), 'insitu-event-id': event.feedback_id } };
        remember();
        out.push(feedbackRecord);
        judged.push(turn.turn_id);
        snapshots.push(snapshot);
      };
      for (const record of records) await guard.run(record, () => withRecordSpan(record, FEEDBACK_DETECTOR_GROUP, () => handle(record)));
      // Snapshots first: whoever reads a FeedbackEvent must find its feedback turn in state.
      await Promise.all(snapshots.map((s) => saveTurnSnapshot(state, s, config.pairs.snapshotTtlSeconds * 1000)));
      if (out.length > 0) await bus.publish(out);
      await Promise.all([
        ...[...memories].filter(([, m]) => m !== null).map(([key, m]) => state.set(key, JSON.stringify(m), { ttlMs })),
        ...judged.map((id) => state.set(doneKey(id), '1', { ttlMs })),
      ]);
    },
    onError: (error, records) => log.warn('batch failed; retrying', { error, records: records.length }),
  });
  log.info('consuming', { from: TOPICS.turns, to: TOPICS.feedback, detector: detector.name });
  return { close: () => subscription.close() };
}

export const feedbackDetector: ConsumerDefinition = {
  name: 'feedback-detector',
  description: 'detects SAT/DSAT feedback in each next user turn (insitu.turns -> insitu.feedback)',
  start: (runtime) => startFeedbackDetector(runtime, chooseDetector(runtime.config)),
};
