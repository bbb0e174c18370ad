// The preference builder on the bus: consumes insitu.feedback (keyed by conversation, so in order per
// conversation), reads the feedback turn's snapshot and the conversation's pending revision from state, and
// publishes PreferencePairs to insitu.preferences and TrainingExamples to insitu.examples. Every candidate
// goes through the filters and is published with their verdicts; only accepted ones reach datasets.
// Exactly-once effect: ids are deterministic, handled feedback is marked in state after publishing, and the
// duplicate filter recognises a re-delivered candidate as itself. A pair id is claimed in state with the pair
// itself (SET NX) before it is published: feedback re-delivered after a crash republishes that stored pair
// instead of a new one, so generated modes (whose models answer differently each time) never publish two
// different pairs under one id, and the model is not asked again. An invalid FeedbackEvent, or one whose
// handling keeps failing (INSITU_DLQ_MAX_ATTEMPTS), goes to insitu.dlq and the builder moves on.
import { configSecrets } from '../../src/secrets.js';
import { traceHeaders, withRecordSpan } from '../../src/telemetry/tracing.js';
import type { OutgoingRecord } from '../../src/bus/types.js';
import { loadTurnSnapshot } from '../../src/conversation/turn-snapshot.js';
import type { TrainingExample } from '../../src/events/example.js';
import type { FeedbackEvent } from '../../src/events/feedback.js';
import type { PreferencePair } from '../../src/events/preference.js';
import { validateFeedbackEvent } from '../../src/events/validate.js';
import { createPoisonGuard } from '../../src/bus/dead-letter/index.js';
import { rememberUserPreferences } from '../../src/personalization/user-preferences.js';
import type { Runtime } from '../../src/runtime.js';
import { TOPICS } from '../../src/topics.js';
import type { ConsumerDefinition, RunningConsumer } from '../index.js';
import { buildPreferencePair, buildTrainingExample, isDissatisfied, judgedExchange, planPreferenceWork, type PendingRevision, type Preferences } from './core.js';
import type { FilterPipeline } from './filters/index.js';
import type { PreferenceSummarizer } from './preferences/index.js';
import { generatePair, GenerationError, ModelUnavailableError, type Generators } from './generate.js';

export const PREFERENCE_BUILDER_GROUP = 'insitu.preference-builder';

export interface PreferenceBuilderDeps {
  summarizer: PreferenceSummarizer;
  /** Filters for pairs, and for each kind of example: each has its own duplicate namespace, so an SFT example
   * never shadows the hindsight example of the same response, nor either a pair. */
  pairFilters: FilterPipeline;
  exampleFilters: Record<TrainingExample['kind'], FilterPipeline>;
  generators: Generators;
}

const pendingKey = (tenant: string, conversationId: string) => `insitu:pb:pending:${tenant}:${conversationId}`;
const doneKey = (feedbackId: string) => `insitu:pb:done:${feedbackId}`;
const pairKey = (pairId: string) => `insitu:pb:pair:${pairId}`;

export interface BuilderCounters {
  feedback: number;
  pairs: number;
  pairsDropped: number;
  examples: number;
  waiting: number;
  missingSnapshots: number;
  generationErrors: number;
  /** Pairs published again from their claim (re-delivered feedback), not built anew. */
  pairsRepublished: number;
}

export async function startPreferenceBuilder(runtime: Runtime, deps: PreferenceBuilderDeps): Promise<RunningConsumer & { counters(): BuilderCounters }> {
  const { bus, state, config } = runtime;
  const log = runtime.logger.child('preference-builder');
  const mode = config.pairs.mode;
  const doneTtlMs = config.conversationTtlSeconds * 1000;
  const pendingTtlMs = config.pairs.revisionTtlSeconds * 1000;
  const counters: BuilderCounters = { feedback: 0, pairs: 0, pairsDropped: 0, examples: 0, waiting: 0, missingSnapshots: 0, generationErrors: 0, pairsRepublished: 0 };
  const guard = createPoisonGuard({ bus, group: PREFERENCE_BUILDER_GROUP, maxAttempts: config.dlqMaxAttempts, logger: log, secrets: configSecrets(config) });

  async function handle(feedback: FeedbackEvent, pendings: Map<string, PendingRevision | null>, out: OutgoingRecord[], personal: { tenant: string; user: string; list: string[] }[]): Promise<void> {
    const turn = await loadTurnSnapshot(state, feedback.feedback_turn_id);
    if (!turn) {
      counters.missingSnapshots++;
      log.warn('feedback turn no longer in state (INSITU_TURN_SNAPSHOT_TTL_S); feedback passed over', { feedback_id: feedback.feedback_id });
      return;
    }
    const key = pendingKey(feedback.tenant, feedback.conversation_id);
    let pending = pendings.get(key);
    if (pending === undefined) {
      const stored = await state.get(key);
      pending = stored ? (JSON.parse(stored) as PendingRevision) : null;
    }
    let preferences: Preferences | null = null;
    const exchange = judgedExchange(turn);
    if (isDissatisfied(feedback) && exchange) {
      const summary = await deps.summarizer.summarize({ history: exchange.prompt, rejected: exchange.response, followUp: exchange.followUp, feedback });
      preferences = { list: summary.preferences, by: summary.by };
    }
    const plan = planPreferenceWork({ feedback, turn, pending, preferences, mode });
    if (plan.pending !== undefined) pendings.set(key, plan.pending);
    if (plan.pending) counters.waiting++;

    for (const draft of plan.examples) {
      const verdicts = await deps.exampleFilters[draft.kind].run({ tenant: feedback.tenant, id: draft.example_id, prompt: draft.prompt, chosen: draft.response, rejected: null, preferences: [] });
      const example = buildTrainingExample(draft, verdicts);
      out.push({ topic: TOPICS.examples, key: feedback.conversation_id, value: JSON.stringify(example), headers: { ...traceHeaders(), 'insitu-schema': 'insitu.example', 'insitu-version': String(example.version), 'insitu-event-id': example.example_id } });
      counters.examples++;
    }

    const emit = (pair: PreferencePair) =>
      out.push({ topic: TOPICS.preferences, key: feedback.conversation_id, value: JSON.stringify(pair), headers: { ...traceHeaders(), 'insitu-schema': 'insitu.preference', 'insitu-version': String(pair.version), 'insitu-event-id': pair.pair_id } });
    const claimed = async (pairId: string) => {
      const stored = await state.get(pairKey(pairId));
      return stored === null ? null : (JSON.parse(stored) as PreferencePair);
    };
    const planned = plan.generate?.pair_id ?? plan.pair?.pair_id;
    const earlier = planned ? await claimed(planned) : null;
    if (earlier) {
      counters.pairsRepublished++;
      emit(earlier);
      return;
    }

    let draft = plan.pair;
    if (plan.generate) {
      try {
        const generated = await generatePair(plan.generate, deps.generators);
        if (generated.kept) draft = generated.draft;
        else log.info('on-policy pair not kept', { pair_id: plan.generate.pair_id, reason: generated.reason });
      } catch (error) {
        // Unreachable model: retry the feedback with its batch (dead-lettered after INSITU_DLQ_MAX_ATTEMPTS).
        if (error instanceof ModelUnavailableError) throw error;
        // The model refused the request (400) or answered unusably: no pair from this feedback (its examples
        // still go out); counted in generationErrors.
        counters.generationErrors++;
        log.warn('chosen response could not be generated; pair passed over', { pair_id: plan.generate.pair_id, error: error instanceof GenerationError ? error.message : error });
      }
    }
    if (!draft) return;
    const verdicts = await deps.pairFilters.run({ tenant: feedback.tenant, id: draft.pair_id, prompt: draft.prompt, chosen: draft.chosen, rejected: draft.rejected, preferences: draft.preferences.list });
    const built = buildPreferencePair(draft, verdicts);
    // Another delivery of this feedback (another replica) may have claimed the id since: its pair stands.
    const won = await state.set(pairKey(built.pair_id), JSON.stringify(built), { ttlMs: doneTtlMs, onlyIfAbsent: true });
    const pair = won ? built : ((await claimed(built.pair_id)) ?? built);
    if (!won) counters.pairsRepublished++;
    else if (pair.accepted) counters.pairs++;
    else counters.pairsDropped++;
    // Personalization remembers only what training would accept: the preferences of an accepted pair (so they
    // passed the spurious-preference filter). A user who asks for unsafe behaviour never gets it prepended.
    if (pair.accepted && config.personalize.enabled && pair.user) personal.push({ tenant: pair.tenant, user: pair.user, list: pair.preferences });
    emit(pair);
  }

  const subscription = await bus.subscribe({
    group: PREFERENCE_BUILDER_GROUP,
    topics: [TOPICS.feedback],
    fromBeginning: true,
    handler: async (records) => {
      const out: OutgoingRecord[] = [];
      let pendings = new Map<string, PendingRevision | null>(); // this batch's view, written after publishing
      const handled: string[] = [];
      const personal: { tenant: string; user: string; list: string[] }[] = [];
      for (const record of records) {
        const feedback = await guard.read(record, validateFeedbackEvent, 'FeedbackEvent');
        if (!feedback) continue;
        if (handled.includes(feedback.feedback_id)) continue;
        // Each feedback works on its own copies; they join the batch's only if it is handled in full, so a
        // feedback that throws (dead-lettered after its attempts) costs the others nothing.
        const mine = { out: [] as OutgoingRecord[], pendings: new Map(pendings), personal: [] as typeof personal };
        const completed = await guard.run(record, async () => {
          if (await state.get(doneKey(feedback.feedback_id))) return;
          counters.feedback++;
          // A consumer span per feedback event, in the trace of the chat request it came from.
          await withRecordSpan(record, PREFERENCE_BUILDER_GROUP, () => handle(feedback, mine.pendings, mine.out, mine.personal));
          handled.push(feedback.feedback_id);
        });
        if (!completed) continue;
        out.push(...mine.out);
        personal.push(...mine.personal);
        pendings = mine.pendings;
      }
      if (out.length > 0) await bus.publish(out);
      await Promise.all([
        ...[...pendings].map(([key, p]) => (p ? state.set(key, JSON.stringify(p), { ttlMs: pendingTtlMs }) : state.del(key))),
        ...handled.map((id) => state.set(doneKey(id), '1', { ttlMs: doneTtlMs })),
      ]);
      for (const p of personal) await rememberUserPreferences(state, p.tenant, p.user, p.list, { max: config.personalize.maxPreferences, ttlMs: config.conversationTtlSeconds * 1000 });
    },
    onError: (error, records) => log.warn('batch failed; retrying', { error, records: records.length }),
  });
  log.info('consuming', { from: TOPICS.feedback, to: [TOPICS.preferences, TOPICS.examples], mode });
  return { close: () => subscription.close(), counters: () => ({ ...counters }) };
}
