// The preference builder's pure parts, without I/O: pair construction per mode, the in-situ revision chain,
// examples, deterministic ids, the local checklist judge, generated pairs, per-user preference memory.
import type { PairwiseInput } from '../consumers/evaluator/judge/prompt.js';
import { JudgeFailedError, type PairwiseJudge } from '../consumers/evaluator/judge/pairwise.js';
import OpenAI from 'openai';
import { LlmCallError, UnreadableAnswerError } from '../src/llm/index.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeAgainstChecklist } from '../consumers/preference-builder/checklist.js';
import {
  buildPreferencePair, buildTrainingExample, exampleId, judgedExchange, MAX_REVISION_ROUNDS, pairId, planPreferenceWork,
  type BuilderInput, type PendingRevision,
} from '../consumers/preference-builder/core.js';
import { generatePair, GenerationError, ModelUnavailableError, SAFETY_INSTRUCTION, type ChatModel } from '../consumers/preference-builder/generate.js';
import { snapshotOf, type TurnSnapshot } from '../src/conversation/turn-snapshot.js';
import type { ChatMessage } from '../src/events/chat.js';
import type { FeedbackEvent } from '../src/events/feedback.js';
import type { TurnEvent } from '../src/events/turn.js';
import { validatePreferencePair, validateTrainingExample } from '../src/events/validate.js';
import { mergePreferences, personalizationMessage } from '../src/personalization/user-preferences.js';

const id = (n: number) => `turn_01J0000000000000000000000${n}`;
// Fixed, so that two plans built from equal events are comparable (a re-delivered event carries its original time).
const CREATED_AT = '2026-11-23T11:50:10.259Z';

/** The snapshot of turn n of a conversation whose exchanges are [question, answer] pairs. */
function snapshot(n: number, exchanges: [string, string][], model = 'policy-v1'): TurnSnapshot {
  const messages: ChatMessage[] = [{ role: 'system', content: 'You are helpful.' }];
  exchanges.slice(0, n).forEach(([q, a]) => messages.push({ role: 'user', content: q }, { role: 'assistant', content: a }));
  messages.push({ role: 'user', content: exchanges[n]![0] });
  return {
    turn_id: id(n), conversation_id: 'conv_1', turn_index: n, tenant: 'acme', user: 'u1', model_requested: 'policy', model_served: model,
    messages, answer: exchanges[n]![1], finish_reason: 'stop', judged: n > 0 ? { turn_id: id(n - 1), model_served: 'policy-v0' } : null,
  };
}

function feedback(n: number, polarity: FeedbackEvent['polarity'], state: FeedbackEvent['state'], extra: Partial<FeedbackEvent> = {}): FeedbackEvent {
  return {
    schema: 'insitu.feedback', version: 1, feedback_id: `fb_${String(n).padStart(22, 'x')}`, conversation_id: 'conv_1', tenant: 'acme', user: 'u1',
    judged_turn_id: id(n - 1), feedback_turn_id: id(n), feedback_turn_index: n, state,
    satisfaction: polarity === 'SAT' ? ['gratitude'] : [], dissatisfaction: polarity === 'DSAT' || polarity === 'MIXED' ? ['style'] : [],
    intent: 'information_seeking', domain: 'other', summary: 's', polarity, confidence: 0.8, evidence: null, detector: 'local', detection_latency_ms: 0.1,
    created_at: CREATED_AT, ...extra,
  };
}

const chat: [string, string][] = [
  ['Explain DNS.', 'DNS is a long story that begins in 1983 with a very long explanation...'],
  ['Too long. Shorter please, in bullet points.', '- DNS maps names to addresses\n- Resolvers cache answers'],
  ['Thanks, perfect!', 'Glad it helped.'],
  ['Now explain DHCP.', 'DHCP hands out addresses.'],
];
const prefs = { list: ['The user prefers shorter responses.', 'The user wants bullet points.'], by: 'local' };
const input = (n: number, f: FeedbackEvent, pending: PendingRevision | null, mode: BuilderInput['mode'] = 'in-situ'): BuilderInput => ({
  feedback: f, turn: snapshot(n, chat), pending, preferences: f.polarity === 'DSAT' || f.polarity === 'MIXED' ? prefs : null, mode,
});

describe('judged exchange', () => {
  test('splits the feedback turn at the judged answer', () => {
    const x = judgedExchange(snapshot(1, chat))!;
    assert.deepEqual(x.prompt, [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: 'Explain DNS.' }]);
    assert.equal(x.response, chat[0]![1]);
    assert.equal(x.followUp, chat[1]![0]);
  });
  test('a turn without the judged answer in its messages, or without a final user message, gives none', () => {
    assert.equal(judgedExchange({ ...snapshot(1, chat), messages: [{ role: 'user', content: 'only me' }] }), null);
    assert.equal(judgedExchange({ ...snapshot(1, chat), messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }), null);
  });
  test('snapshots keep text, drop tool traffic and map developer to system', () => {
    const turn = {
      schema: 'insitu.turn', version: 1, turn_id: id(3), conversation_id: 'c', turn_index: 3, stitch: 'derived', tenant: 't', user: null, model_requested: 'm', model_served: 'm',
      request: { params: {}, messages: [
        { role: 'developer', content: 'Be terse.' }, { role: 'user', content: [{ type: 'text', text: 'What is 6*7?' }, { type: 'image_url', image_url: { url: 'x' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: '1', type: 'function', function: { name: 'calc', arguments: '{}' } }] }, { role: 'tool', content: '42', tool_call_id: '1' },
        { role: 'assistant', content: '42.' }, { role: 'user', content: 'wrong' },
      ] },
      assistant: { role: 'assistant', content: 'Sorry: 42 is right.' }, finish_reason: 'stop', usage: null, timings: { ttfb_ms: 1, total_ms: 1 }, upstream_status: 200, stream: false, created_at: new Date().toISOString(),
    } satisfies TurnEvent;
    const s = snapshotOf(turn);
    assert.deepEqual(s.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
    assert.equal(s.messages[1]!.content, 'What is 6*7?');
    assert.equal(judgedExchange(s)!.response, '42.');
  });
});

describe('in-situ pairs', () => {
  test('a satisfied turn yields a hindsight and an SFT example and no pair', () => {
    const plan = planPreferenceWork(input(3, feedback(3, 'SAT', 'NEWTOPIC'), null));
    assert.deepEqual(plan.examples.map((e) => e.kind), ['hindsight', 'sft']);
    assert.equal(plan.examples[1]!.response, chat[2]![1]);
    assert.equal(plan.examples[1]!.example_id, exampleId(id(2), 'sft'));
    assert.equal(plan.pair, null);
    assert.equal(plan.pending, undefined);
    const example = buildTrainingExample(plan.examples[0]!, { filters: [], accepted: true });
    assert.equal(validateTrainingExample(example).ok, true, JSON.stringify(validateTrainingExample(example)));
    assert.equal(example.follow_up, chat[3]![0]);
    assert.equal(example.model, 'policy-v0');
  });

  test('DSAT then SAT: the accepted revision is chosen, the first answer rejected', () => {
    const dsat = planPreferenceWork(input(1, feedback(1, 'DSAT', 'FEEDBACK'), null));
    assert.equal(dsat.pair, null);
    assert.deepEqual(dsat.examples.map((e) => e.kind), ['hindsight']);
    const pending = dsat.pending!;
    assert.equal(pending.rejected_turn_id, id(0));
    assert.equal(pending.revision_turn_id, id(1));
    assert.equal(pending.revision, chat[1]![1]);

    const sat = planPreferenceWork(input(2, feedback(2, 'SAT', 'CONTINUATION'), pending));
    assert.equal(sat.pending, null);
    const draft = sat.pair!;
    assert.equal(draft.pair_id, pairId(id(0), 'in-situ'));
    assert.equal(draft.chosen, chat[1]![1]);
    assert.equal(draft.rejected, chat[0]![1]);
    assert.deepEqual(draft.prompt.map((m) => m.content), ['You are helpful.', 'Explain DNS.']);
    assert.equal(draft.chosen_turn_id, id(1));
    assert.deepEqual(draft.models, { rejected: 'policy-v0', chosen: 'policy-v1', preferences: 'local', judge: null });
    const pair = buildPreferencePair(draft, { filters: [{ filter: 'length', verdict: 'pass', detail: null }], accepted: true });
    assert.equal(validatePreferencePair(pair).ok, true, JSON.stringify(validatePreferencePair(pair)));
    assert.deepEqual(pair.feedback.map((f) => f.polarity), ['DSAT', 'SAT']);
    assert.deepEqual(pair.preferences, prefs.list);
    assert.equal(pair.mode, 'in-situ');
  });

  test('planning the same feedback twice gives the same ids (re-delivery builds nothing new)', () => {
    const a = planPreferenceWork(input(1, feedback(1, 'DSAT', 'FEEDBACK'), null));
    const b = planPreferenceWork(input(1, feedback(1, 'DSAT', 'FEEDBACK'), null));
    assert.deepEqual(a, b);
  });

  test('carrying on without complaint accepts the revision; another refinement does not', () => {
    const pending = planPreferenceWork(input(1, feedback(1, 'DSAT', 'FEEDBACK'), null)).pending!;
    assert.ok(planPreferenceWork(input(2, feedback(2, 'NONE', 'CONTINUATION'), pending)).pair);
    assert.ok(planPreferenceWork(input(2, feedback(2, 'NONE', 'NEWTOPIC'), pending)).pair);
    const refined = planPreferenceWork(input(2, feedback(2, 'NONE', 'REFINEMENT'), pending));
    assert.equal(refined.pair, null);
    assert.equal(refined.pending, null);
  });

  test('a rejected revision extends the chain: first rejected, latest revision, merged preferences', () => {
    const first = planPreferenceWork(input(1, feedback(1, 'DSAT', 'FEEDBACK'), null)).pending!;
    const second = planPreferenceWork({ ...input(2, feedback(2, 'DSAT', 'FEEDBACK'), first), preferences: { list: ['The user wants examples.', prefs.list[0]!], by: 'judge-m' } });
    const chain = second.pending!;
    assert.equal(chain.rejected_turn_id, id(0));
    assert.equal(chain.revision_turn_id, id(2));
    assert.equal(chain.rounds, 2);
    assert.deepEqual(chain.preferences, [...prefs.list, 'The user wants examples.']);
    assert.equal(chain.preferences_by, 'local+judge-m');
    const done = planPreferenceWork(input(3, feedback(3, 'SAT', 'NEWTOPIC'), chain));
    assert.equal(done.pair!.rejected, chat[0]![1]);
    assert.equal(done.pair!.chosen, chat[2]![1]);
    assert.equal(done.pair!.pairFeedback.length, 3);
  });

  test(`after ${MAX_REVISION_ROUNDS} rounds the chain starts over from the latest rejected answer`, () => {
    const long: PendingRevision = { ...planPreferenceWork(input(1, feedback(1, 'DSAT', 'FEEDBACK'), null)).pending!, rounds: MAX_REVISION_ROUNDS };
    const next = planPreferenceWork(input(2, feedback(2, 'DSAT', 'FEEDBACK'), long)).pending!;
    assert.equal(next.rejected_turn_id, id(1));
    assert.equal(next.rounds, 1);
  });

  test('no pending revision when the next answer is not a revision', () => {
    assert.equal(planPreferenceWork(input(1, feedback(1, 'DSAT', 'NEWTOPIC'), null)).pending, null);
  });

  test('dissatisfaction without an answer to pair (a thumbs-down) waits for the revision: the next answer in that place', () => {
    // A thumbs-down on answer 0: its synthetic feedback turn carries no answer.
    const thumbsDown = feedback(1, 'DSAT', 'FEEDBACK', { detector: 'explicit', feedback_id: `fb_${'e'.repeat(22)}` });
    const waiting = planPreferenceWork({ ...input(1, thumbsDown, null), turn: { ...snapshot(1, chat), turn_id: 'turn_explicit_x', answer: null } });
    assert.equal(waiting.pair, null);
    const awaited = waiting.pending!;
    assert.deepEqual([awaited.rejected_turn_id, awaited.revision_turn_id, awaited.revision], [id(0), null, null]);
    assert.match(waiting.note ?? '', /revise/);

    // The user's next message judges answer 0 too; here the detector saw no complaint, only a rephrased request.
    const rephrase = planPreferenceWork(input(1, feedback(1, 'NONE', 'REFINEMENT'), awaited));
    const revised = rephrase.pending!;
    assert.deepEqual([revised.revision_turn_id, revised.revision], [id(1), chat[1]![1]]);
    assert.deepEqual(revised.feedback.map((f) => f.feedback_id), [thumbsDown.feedback_id, feedback(1, 'NONE', 'REFINEMENT').feedback_id]);

    // Accepted: the pair is the thumbed-down answer against the revision.
    const accepted = planPreferenceWork(input(2, feedback(2, 'SAT', 'CONTINUATION'), revised));
    assert.equal(accepted.pair?.rejected, chat[0]![1]);
    assert.equal(accepted.pair?.chosen, chat[1]![1]);
    assert.equal(accepted.pair?.pair_id, pairId(id(0), 'in-situ'));

    // Without the thumbs-down the same rephrase makes no pair.
    assert.equal(planPreferenceWork(input(1, feedback(1, 'NONE', 'REFINEMENT'), null)).pending, undefined);
  });

  test('a waiting thumbs-down ends when the user moves on or says the answer was fine', () => {
    const awaited = planPreferenceWork({ ...input(1, feedback(1, 'DSAT', 'FEEDBACK', { detector: 'explicit' }), null), turn: { ...snapshot(1, chat), answer: null } }).pending!;
    assert.equal(planPreferenceWork(input(1, feedback(1, 'NONE', 'NEWTOPIC'), awaited)).pending, null);
    assert.equal(planPreferenceWork(input(1, feedback(1, 'SAT', 'FEEDBACK'), awaited)).pending, null);
    // another rating of the same answer keeps waiting, with both feedbacks
    const again = planPreferenceWork({ ...input(1, feedback(1, 'DSAT', 'FEEDBACK', { feedback_id: `fb_${'f'.repeat(22)}` }), awaited), turn: { ...snapshot(1, chat), answer: null } });
    assert.equal(again.pending?.revision, null);
    assert.equal(again.pending?.feedback.length, 2);
  });

  test('feedback on another turn drops a stale pending revision', () => {
    const pending = { ...planPreferenceWork(input(1, feedback(1, 'DSAT', 'FEEDBACK'), null)).pending!, revision_turn_id: 'turn_other' };
    const plan = planPreferenceWork(input(2, feedback(2, 'SAT', 'CONTINUATION'), pending));
    assert.equal(plan.pair, null);
    assert.equal(plan.pending, null);
  });
});

describe('generated pairs (expert, on-policy)', () => {
  /** Stands in for a model: answers with preferences follow them (short bullet points), without they ramble. */
  const model = (name: string): ChatModel & { calls: ChatMessage[][]; models: string[] } => {
    const calls: ChatMessage[][] = [];
    const models: string[] = [];
    return {
      defaultModel: name,
      calls,
      models,
      async complete(messages, m) {
        calls.push(messages);
        models.push(m);
        const guided = messages[0]!.role === 'system' && messages[0]!.content.includes(SAFETY_INSTRUCTION);
        return { content: guided ? '- short\n- points' : 'A very long answer that goes on and on about everything at length.', model: `${m}-served` };
      },
    };
  };

  test('expert mode asks for generation, the expert answers with preferences and the safety instruction', async () => {
    const plan = planPreferenceWork(input(1, feedback(1, 'DSAT', 'FEEDBACK'), null, 'expert'));
    assert.equal(plan.pending, undefined);
    const request = plan.generate!;
    assert.equal(request.pair_id, pairId(id(0), 'expert'));
    const expert = model('gpt-expert');
    const result = await generatePair(request, { expert });
    assert.ok(result.kept);
    if (!result.kept) return;
    const system = expert.calls[0]![0]!;
    assert.equal(system.role, 'system');
    for (const p of prefs.list) assert.ok(system.content.includes(p));
    assert.ok(system.content.includes(SAFETY_INSTRUCTION));
    assert.deepEqual(expert.calls[0]!.slice(1).map((m) => m.content), ['You are helpful.', 'Explain DNS.']);
    assert.equal(result.draft.rejected, chat[0]![1]);
    assert.equal(result.draft.chosen, '- short\n- points');
    assert.deepEqual(result.draft.models, { rejected: 'policy-v0', chosen: 'gpt-expert-served', preferences: 'local', judge: null });
    assert.equal(validatePreferencePair(buildPreferencePair(result.draft, { filters: [], accepted: true })).ok, true);
  });

  test('on-policy mode regenerates both with the model that served the judged turn and keeps the pair only when chosen wins the checklist', async () => {
    const request = planPreferenceWork(input(1, feedback(1, 'DSAT', 'FEEDBACK'), null, 'on-policy')).generate!;
    const policy = model('unused-default');
    const kept = await generatePair(request, { policy });
    // The judged turn was served by 'policy-v0' although the app asked for the alias 'policy'.
    assert.deepEqual(policy.models, ['policy-v0', 'policy-v0']);
    assert.ok(kept.kept);
    if (kept.kept) {
      assert.equal(kept.draft.rejected, 'A very long answer that goes on and on about everything at length.');
      assert.equal(kept.draft.models.chosen, 'policy-v0-served');
      assert.equal(kept.draft.models.rejected, 'policy-v0-served');
      assert.equal(kept.draft.models.judge, 'local-checklist');
    }
    // A judged turn whose served model is unknown falls back to the requested name.
    const unknown = planPreferenceWork({ ...input(1, feedback(1, 'DSAT', 'FEEDBACK'), null, 'on-policy'), turn: { ...snapshot(1, chat), judged: null } }).generate!;
    const fallback = model('unused-default');
    await generatePair(unknown, { policy: fallback });
    assert.deepEqual(fallback.models, ['policy', 'policy']);
    const stubborn: ChatModel = { defaultModel: 'p', complete: async (_m, name) => ({ content: 'Same answer.', model: name }) };
    const dropped = await generatePair(request, { policy: stubborn });
    assert.equal(dropped.kept, false);
  });

  test('on-policy with a model judge: both orders are asked; a position-biased judge keeps nothing, a failing one is a GenerationError', async () => {
    const request = planPreferenceWork(input(1, feedback(1, 'DSAT', 'FEEDBACK'), null, 'on-policy')).generate!;
    const asked: PairwiseInput[] = [];
    // A judge model that reads the checklist: prefers the bulleted answer wherever it is shown.
    const fair: PairwiseJudge = { name: 'judge-model', compare: async (i) => (asked.push(i), i.responseA.startsWith('- ') ? 'A++' : 'B++') };
    const kept = await generatePair(request, { policy: model('p'), judge: fair });
    assert.ok(kept.kept);
    if (kept.kept) assert.equal(kept.draft.models.judge, 'judge-model');
    assert.equal(asked.length, 2);
    assert.deepEqual(new Set(asked.map((i) => i.responseA.startsWith('- '))), new Set([true, false]), 'chosen shown once as A, once as B');
    assert.deepEqual(asked[0]!.checklist, request.preferences.list);
    const biased: PairwiseJudge = { name: 'always-a', compare: async () => 'A+' };
    assert.equal((await generatePair(request, { policy: model('p'), judge: biased })).kept, false);
    const failing: PairwiseJudge = { name: 'down', compare: async () => Promise.reject(new Error('judge unreachable')) };
    await assert.rejects(generatePair(request, { policy: model('p'), judge: failing }), (e: unknown) => e instanceof GenerationError && /judge unreachable/.test(e.message));
    // A judge model that cannot be reached (its caller gave up on connection errors) is retried with the
    // batch, not a lost pair; one that answered unusably is an ordinary generation error.
    const unreachable: PairwiseJudge = { name: 'down', compare: async () => Promise.reject(new JudgeFailedError('judge failed', { cause: new LlmCallError(3, 'connection error', { cause: new OpenAI.APIConnectionError({ message: 'connection refused' }) }) })) };
    await assert.rejects(generatePair(request, { policy: model('p'), judge: unreachable }), ModelUnavailableError);
    const garbled: PairwiseJudge = { name: 'garbled', compare: async () => Promise.reject(new JudgeFailedError('judge failed', { cause: new LlmCallError(3, 'no verdict', { cause: new UnreadableAnswerError('no verdict') }) })) };
    await assert.rejects(generatePair(request, { policy: model('p'), judge: garbled }), (e: unknown) => e instanceof GenerationError && !(e instanceof ModelUnavailableError));
  });

  test('a missing expert is a typed error, not a crash', async () => {
    const request = planPreferenceWork(input(1, feedback(1, 'DSAT', 'FEEDBACK'), null, 'expert')).generate!;
    await assert.rejects(generatePair(request, {}), /INSITU_EXPERT_URL/);
  });
});

describe('local checklist judge', () => {
  const cases: [string[], string, string, 'chosen' | 'rejected' | 'tie'][] = [
    [['The user prefers shorter responses.'], 'Short.', 'A much longer response than needed.', 'chosen'],
    [['The user wants more detail.'], 'Short.', 'A much longer response with detail.', 'rejected'],
    [['The user wants the answer as a bulleted list.'], '- a\n- b', 'a and b', 'chosen'],
    [['The user wants responses in Chinese.'], '这是答案。', 'This is the answer.', 'chosen'],
    [['The user wants the answer without emojis.'], 'Plain answer.', 'Answer with emojis everywhere.', 'chosen'],
    [['The user wants a Python example.'], 'Here is a Python example.', 'Here is an answer.', 'chosen'],
    [['The user wants a Python example.'], 'Same.', 'Same.', 'tie'],
  ];
  for (const [preferences, chosen, rejected, expected] of cases) {
    test(`${preferences[0]} -> ${expected}`, () => assert.equal(judgeAgainstChecklist(preferences, chosen, rejected), expected));
  }
});

describe('per-user preference memory', () => {
  const now = new Date('2026-11-23T00:00:00Z');
  test('merges without repeats (newest kept last) and drops the oldest beyond the bound', () => {
    let kept = mergePreferences([], ['The user prefers short answers.', 'The user wants bullet points.'], 3, now);
    kept = mergePreferences(kept, ['the user prefers short answers', 'The user wants Python 3.', 'The user wants examples.'], 3, now);
    assert.deepEqual(kept.map((p) => p.text), ['the user prefers short answers', 'The user wants Python 3.', 'The user wants examples.']);
  });
  test('the system message lists them and asks for safety', () => {
    const text = personalizationMessage([{ text: 'The user wants bullet points.', at: now.toISOString() }]);
    assert.match(text, /- The user wants bullet points\./);
    assert.match(text, /safe/);
  });
});
