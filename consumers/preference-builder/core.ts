// The preference builder's pure core (WildFeedback §3.2). For each FeedbackEvent, in conversation order, with
// the feedback turn's snapshot and the conversation's pending revision from state, it decides:
//  - examples: a hindsight example for every judged response, an SFT example for a satisfying one;
//  - pairs: for a dissatisfying response, in-situ mode waits for the assistant's revision to be accepted
//    (the next feedback is SAT, or the user simply carries on) and pairs it as chosen; expert and on-policy
//    modes ask the runner to generate the chosen (and, on-policy, the rejected) response now;
//  - the pending revision to keep, replace or drop.
// Ids are deterministic, so re-delivered feedback rebuilds the same pair and examples, never new ones.
import type { ChatMessage } from '../../src/events/chat.js';
import type { TrainingExample } from '../../src/events/example.js';
import { TRAINING_EXAMPLE_VERSION } from '../../src/events/example.js';
import type { FeedbackEvent } from '../../src/events/feedback.js';
import type { FilterResult, PairFeedback, PairMode, PreferencePair } from '../../src/events/preference.js';
import { PREFERENCE_PAIR_VERSION } from '../../src/events/preference.js';
import type { TurnSnapshot } from '../../src/conversation/turn-snapshot.js';
import { digest } from '../../src/ids.js';

/**
 * A dissatisfying response waiting for the user's verdict on the assistant's revision of it, or, with a null
 * revision, waiting for the revision itself: the dissatisfaction came without an answer to pair (a thumbs-down
 * from the chat UI, or a complaint the model failed to answer), so the next answer in that place is the retry.
 */
export interface PendingRevision {
  rejected_turn_id: string;
  feedback_turn_id: string;
  prompt: ChatMessage[];
  rejected: string;
  rejected_model: string | null;
  revision_turn_id: string | null;
  revision: string | null;
  revision_model: string | null;
  preferences: string[];
  preferences_by: string;
  feedback: PairFeedback[];
  /** Dissatisfied rounds so far; a chain keeps the first rejected response and the latest revision. */
  rounds: number;
}

/** A feedback turn split into what the judged response answered, the response, and the user's reply. */
export interface JudgedExchange {
  /** The conversation up to and including the user query the judged response answered. */
  prompt: ChatMessage[];
  response: string;
  followUp: string;
}

/** The summarised preferences of a dissatisfied turn, computed by the runner before planning. */
export interface Preferences {
  list: string[];
  by: string;
}

export interface PairDraft {
  pair_id: string;
  feedback: FeedbackEvent;
  prompt: ChatMessage[];
  chosen: string;
  rejected: string;
  chosen_turn_id: string | null;
  preferences: Preferences;
  pairFeedback: PairFeedback[];
  mode: PairMode;
  models: PreferencePair['models'];
  rejected_turn_id: string;
  feedback_turn_id: string;
}

/** Expert and on-policy modes: the runner generates the response(s), then calls completeGeneratedPair. */
export interface GenerationRequest {
  mode: 'expert' | 'on-policy';
  pair_id: string;
  feedback: FeedbackEvent;
  prompt: ChatMessage[];
  /** The response the user rejected (expert mode keeps it as rejected). */
  rejected: string;
  rejectedModel: string | null;
  /**
   * The model on-policy regenerates with: the one that served the judged response (model_served), not the name
   * the app asked for, which may be an alias the router resolved; that name only when the served one is unknown.
   */
  policyModel: string | null;
  preferences: Preferences;
}

export interface ExampleDraft {
  example_id: string;
  kind: TrainingExample['kind'];
  feedback: FeedbackEvent;
  prompt: ChatMessage[];
  response: string;
  followUp: string | null;
  model: string | null;
}

export interface BuilderPlan {
  examples: ExampleDraft[];
  /** A complete in-situ pair. */
  pair: PairDraft | null;
  generate: GenerationRequest | null;
  /** undefined: leave the pending revision as it is; null: drop it; else: store this one. */
  pending: PendingRevision | null | undefined;
  /** Why no pair came of this feedback (for logs and counters). */
  note: string | null;
}

export interface BuilderInput {
  feedback: FeedbackEvent;
  /** Snapshot of the feedback turn (its request holds the judged response; its answer may revise it). */
  turn: TurnSnapshot;
  pending: PendingRevision | null;
  /** Present when the feedback is dissatisfied. */
  preferences: Preferences | null;
  mode: PairMode;
}

/** In-situ chains longer than this start over from the latest rejected response. */
export const MAX_REVISION_ROUNDS = 3;

export const pairId = (rejectedTurnId: string, mode: PairMode) => `pp_${digest(`${rejectedTurnId}>${mode}`)}`;
export const exampleId = (turnId: string, kind: TrainingExample['kind']) => `${kind === 'sft' ? 'sft' : 'hs'}_${digest(`${turnId}>${kind}`)}`;

/** True when the feedback voices any dissatisfaction: such a response is a pair's rejected one. */
export const isDissatisfied = (f: FeedbackEvent) => f.polarity === 'DSAT' || f.polarity === 'MIXED' || f.dissatisfaction.length > 0;

/** The user accepted a revision: satisfied, or carried on (continued or moved on) without complaint. */
const acceptsRevision = (f: FeedbackEvent) =>
  !isDissatisfied(f) && (f.polarity === 'SAT' || f.state === 'CONTINUATION' || f.state === 'NEWTOPIC');

/** The assistant's answer to a feedback or refinement message is a revision of the response it judged. */
const answerRevises = (f: FeedbackEvent) => f.state === 'FEEDBACK' || f.state === 'REFINEMENT';

export const pairFeedbackOf = (f: FeedbackEvent): PairFeedback => ({
  feedback_id: f.feedback_id,
  polarity: f.polarity,
  satisfaction: f.satisfaction,
  dissatisfaction: f.dissatisfaction,
  evidence: f.evidence,
});

/** Splits the feedback turn's messages at the last assistant message before the final user message. */
export function judgedExchange(turn: TurnSnapshot): JudgedExchange | null {
  const messages = turn.messages;
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user') return null;
  let at = messages.length - 2;
  while (at >= 0 && messages[at]!.role !== 'assistant') at--;
  if (at < 1) return null;
  const prompt = messages.slice(0, at);
  if (!prompt.some((m) => m.role === 'user')) return null;
  return { prompt, response: messages[at]!.content, followUp: last.content };
}

export function planPreferenceWork(input: BuilderInput): BuilderPlan {
  const { feedback, turn, pending, mode } = input;
  const plan: BuilderPlan = { examples: [], pair: null, generate: null, pending: undefined, note: null };
  const exchange = judgedExchange(turn);
  if (!exchange) {
    plan.note = 'the feedback turn does not carry the judged response';
    if (pending) plan.pending = null;
    return plan;
  }
  const judgedModel = turn.judged?.model_served ?? null;
  const base = { feedback, prompt: exchange.prompt, response: exchange.response, model: judgedModel };
  plan.examples.push({ ...base, example_id: exampleId(feedback.judged_turn_id, 'hindsight'), kind: 'hindsight', followUp: exchange.followUp });
  if (feedback.polarity === 'SAT') plan.examples.push({ ...base, example_id: exampleId(feedback.judged_turn_id, 'sft'), kind: 'sft', followUp: null });

  if (pending !== null && pending.revision === null && pending.rejected_turn_id === feedback.judged_turn_id) {
    return planAwaitedRevision(input, pending, plan);
  }
  const continuesPending = pending !== null && pending.revision !== null && pending.revision_turn_id === feedback.judged_turn_id;
  if (!isDissatisfied(feedback)) {
    if (continuesPending && acceptsRevision(feedback)) {
      plan.pair = {
        pair_id: pairId(pending.rejected_turn_id, 'in-situ'),
        feedback,
        prompt: pending.prompt,
        chosen: pending.revision!,
        rejected: pending.rejected,
        chosen_turn_id: pending.revision_turn_id,
        preferences: { list: pending.preferences, by: pending.preferences_by },
        pairFeedback: [...pending.feedback, pairFeedbackOf(feedback)],
        mode: 'in-situ',
        models: { rejected: pending.rejected_model, chosen: pending.revision_model, preferences: pending.preferences_by, judge: null },
        rejected_turn_id: pending.rejected_turn_id,
        feedback_turn_id: pending.feedback_turn_id,
      };
      plan.pending = null;
    } else if (pending) {
      plan.pending = null;
      plan.note = continuesPending ? 'the revision was neither accepted nor rejected' : 'the pending revision was overtaken';
    }
    return plan;
  }

  const preferences = input.preferences ?? { list: [], by: 'local' };
  if (mode !== 'in-situ') {
    plan.generate = {
      mode,
      pair_id: pairId(feedback.judged_turn_id, mode),
      feedback,
      prompt: exchange.prompt,
      rejected: exchange.response,
      rejectedModel: judgedModel,
      policyModel: judgedModel ?? turn.model_requested,
      preferences,
    };
    if (pending) plan.pending = null;
    return plan;
  }

  if (turn.answer === null) {
    // Nothing to pair yet: the next answer to this place in the conversation will be the revision.
    plan.pending = {
      rejected_turn_id: feedback.judged_turn_id,
      feedback_turn_id: feedback.feedback_turn_id,
      prompt: exchange.prompt,
      rejected: exchange.response,
      rejected_model: judgedModel,
      revision_turn_id: null,
      revision: null,
      revision_model: null,
      preferences: preferences.list,
      preferences_by: preferences.by,
      feedback: [pairFeedbackOf(feedback)],
      rounds: 1,
    };
    plan.note = 'waiting for the assistant to revise the rejected response';
    return plan;
  }
  if (!answerRevises(feedback)) {
    plan.pending = null;
    plan.note = `the next answer is not a revision (state ${feedback.state})`;
    return plan;
  }
  const revision = { revision_turn_id: turn.turn_id, revision: turn.answer, revision_model: turn.model_served };
  if (continuesPending && pending.rounds < MAX_REVISION_ROUNDS) {
    // The revision was rejected too: keep the first rejected response and wait for the newest revision.
    plan.pending = {
      ...pending,
      ...revision,
      preferences: [...new Set([...pending.preferences, ...preferences.list])],
      preferences_by: pending.preferences_by === preferences.by ? preferences.by : `${pending.preferences_by}+${preferences.by}`,
      feedback: [...pending.feedback, pairFeedbackOf(feedback)],
      rounds: pending.rounds + 1,
    };
  } else {
    plan.pending = {
      rejected_turn_id: feedback.judged_turn_id,
      feedback_turn_id: feedback.feedback_turn_id,
      prompt: exchange.prompt,
      rejected: exchange.response,
      rejected_model: judgedModel,
      ...revision,
      preferences: preferences.list,
      preferences_by: preferences.by,
      feedback: [pairFeedbackOf(feedback)],
      rounds: 1,
    };
  }
  plan.note = 'waiting for the user to accept the revision';
  return plan;
}

/**
 * More feedback on a response that is waiting for its revision (the user's next message after a thumbs-down,
 * or another rating): the answer to it is the revision when the user complains again or asks for a change;
 * the wait ends when the user says the response was fine after all, or moves on.
 */
function planAwaitedRevision(input: BuilderInput, pending: PendingRevision, plan: BuilderPlan): BuilderPlan {
  const { feedback, turn } = input;
  if (feedback.polarity === 'SAT' && !isDissatisfied(feedback)) {
    plan.pending = null;
    plan.note = 'the user withdrew the dissatisfaction';
    return plan;
  }
  const more = input.preferences?.list ?? [];
  const merged: PendingRevision = {
    ...pending,
    preferences: [...new Set([...pending.preferences, ...more])],
    preferences_by: input.preferences && input.preferences.by !== pending.preferences_by ? `${pending.preferences_by}+${input.preferences.by}` : pending.preferences_by,
    feedback: pending.feedback.some((f) => f.feedback_id === feedback.feedback_id) ? pending.feedback : [...pending.feedback, pairFeedbackOf(feedback)],
  };
  if (turn.answer === null) {
    plan.pending = merged;
    plan.note = 'waiting for the assistant to revise the rejected response';
    return plan;
  }
  if (!isDissatisfied(feedback) && !answerRevises(feedback)) {
    plan.pending = null;
    plan.note = `the user moved on without asking for a revision (state ${feedback.state})`;
    return plan;
  }
  plan.pending = { ...merged, revision_turn_id: turn.turn_id, revision: turn.answer, revision_model: turn.model_served };
  plan.note = 'waiting for the user to accept the revision';
  return plan;
}

/** Expert / on-policy: the pair once the runner generated its response(s). */
export function completeGeneratedPair(
  request: GenerationRequest,
  generated: { chosen: string; chosenModel: string | null; rejected?: string; rejectedModel?: string | null; judge?: string | null },
): PairDraft {
  return {
    pair_id: request.pair_id,
    feedback: request.feedback,
    prompt: request.prompt,
    chosen: generated.chosen,
    rejected: generated.rejected ?? request.rejected,
    chosen_turn_id: null,
    preferences: request.preferences,
    pairFeedback: [pairFeedbackOf(request.feedback)],
    mode: request.mode,
    models: {
      rejected: generated.rejected !== undefined ? (generated.rejectedModel ?? null) : request.rejectedModel,
      chosen: generated.chosenModel,
      preferences: request.preferences.by,
      judge: generated.judge ?? null,
    },
    rejected_turn_id: request.feedback.judged_turn_id,
    feedback_turn_id: request.feedback.feedback_turn_id,
  };
}

export function buildPreferencePair(draft: PairDraft, verdicts: { filters: FilterResult[]; accepted: boolean }, now: Date = new Date()): PreferencePair {
  return {
    schema: 'insitu.preference',
    version: PREFERENCE_PAIR_VERSION,
    pair_id: draft.pair_id,
    conversation_id: draft.feedback.conversation_id,
    tenant: draft.feedback.tenant,
    user: draft.feedback.user,
    rejected_turn_id: draft.rejected_turn_id,
    feedback_turn_id: draft.feedback_turn_id,
    chosen_turn_id: draft.chosen_turn_id,
    prompt: draft.prompt,
    chosen: { role: 'assistant', content: draft.chosen },
    rejected: { role: 'assistant', content: draft.rejected },
    preferences: draft.preferences.list,
    feedback: draft.pairFeedback,
    mode: draft.mode,
    models: draft.models,
    filters: verdicts.filters,
    accepted: verdicts.accepted,
    created_at: now.toISOString(),
  };
}

export function buildTrainingExample(draft: ExampleDraft, verdicts: { filters: FilterResult[]; accepted: boolean }, now: Date = new Date()): TrainingExample {
  const f = draft.feedback;
  return {
    schema: 'insitu.example',
    version: TRAINING_EXAMPLE_VERSION,
    example_id: draft.example_id,
    kind: draft.kind,
    conversation_id: f.conversation_id,
    tenant: f.tenant,
    user: f.user,
    turn_id: f.judged_turn_id,
    feedback_id: f.feedback_id,
    prompt: draft.prompt,
    response: { role: 'assistant', content: draft.response },
    follow_up: draft.followUp,
    labels: { state: f.state, polarity: f.polarity, satisfaction: f.satisfaction, dissatisfaction: f.dissatisfaction },
    model: draft.model,
    filters: verdicts.filters,
    accepted: verdicts.accepted,
    created_at: now.toISOString(),
  };
}
