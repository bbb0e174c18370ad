// Explicit feedback (POST /v1/insitu/feedback): parsing and construction without I/O, then end to end through
// the proxy on both runtimes: a rated answer yields a FeedbackEvent with detector `explicit` on the bus and
// the preference builder's examples, like in-situ feedback does; bad input gets OpenAI-style errors.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { buildExplicitFeedback, explicitDetectionInput, parseExplicitFeedback } from '../consumers/feedback-detector/explicit.js';
import { createLocalDetector } from '../consumers/feedback-detector/local/index.js';
import { startFeedbackDetector } from '../consumers/feedback-detector/runner.js';
import { preferenceBuilder } from '../consumers/preference-builder/index.js';
import type { TurnSnapshot } from '../src/conversation/turn-snapshot.js';
import type { TrainingExample } from '../src/events/example.js';
import type { FeedbackEvent } from '../src/events/feedback.js';
import type { PreferencePair } from '../src/events/preference.js';
import { validateFeedbackEvent } from '../src/events/validate.js';
import { TOPICS } from '../src/topics.js';
import { settle, startInsitu } from './support/insitu.js';
import { onBothRuntimes } from './support/runtimes.js';
import { startSimUpstream } from './support/sim-upstream.js';

const TURN = 'turn_01JD5Z8Q4M7R2X9KCV3B6N0PQA';

const rated: TurnSnapshot = {
  turn_id: TURN,
  conversation_id: 'conv_x',
  turn_index: 0,
  tenant: 't',
  user: 'u1',
  model_requested: 'm',
  model_served: 'm-served',
  messages: [{ role: 'user', content: 'Explain DNS.' }],
  answer: 'DNS is a long story that starts in 1983 and goes on and on and on.',
  finish_reason: 'stop',
  judged: null,
};

describe('explicit feedback: parsing', () => {
  const bad: [unknown, string | null][] = [
    [null, null],
    [[], null],
    [{ rating: 1 }, 'turn_id'],
    [{ turn_id: 'turn_123', rating: 1 }, 'turn_id'],
    [{ turn_id: TURN }, 'rating'],
    [{ turn_id: TURN, rating: 2 }, 'rating'],
    [{ turn_id: TURN, rating: Number.NaN }, 'rating'],
    [{ turn_id: TURN, rating: 'meh' }, 'rating'],
    [{ turn_id: TURN, rating: 1, comment: 5 }, 'comment'],
    [{ turn_id: TURN, rating: 1, comment: 'x'.repeat(4001) }, 'comment'],
  ];
  for (const [body, param] of bad) {
    test(`refuses ${JSON.stringify(body)?.slice(0, 60)}`, () => {
      const parsed = parseExplicitFeedback(body);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.equal(parsed.param, param);
    });
  }
  test('accepts numbers in -1..1 and thumbs', () => {
    for (const [rating, expected] of [[0.5, 0.5], [-1, -1], ['up', 1], ['thumbs_down', -1], ['👎', -1], [' Down ', -1]] as const) {
      const parsed = parseExplicitFeedback({ turn_id: TURN, rating, comment: '  ' });
      assert.ok(parsed.ok);
      if (parsed.ok) {
        assert.equal(parsed.input.rating, expected);
        assert.equal(parsed.input.comment, null);
      }
    }
  });
});

describe('explicit feedback: construction', () => {
  const detector = createLocalDetector();
  test('a thumbs-down with a comment takes the comment\'s DSAT rubrics and evidence; a valid, deterministic event', () => {
    const comment = 'Way too long, make it shorter please.';
    const { event, feedbackTurn } = buildExplicitFeedback({ rated, input: { turn_id: TURN, rating: -1, comment }, commentDetection: detector.detectSync(explicitDetectionInput(rated, comment)!) });
    assert.equal(validateFeedbackEvent(event).ok, true, JSON.stringify(validateFeedbackEvent(event)));
    assert.equal(event.polarity, 'DSAT');
    assert.equal(event.detector, 'explicit');
    assert.equal(event.judged_turn_id, TURN);
    assert.ok(event.dissatisfaction.includes('style'), `the comment's own rubric, not the generic one: ${event.dissatisfaction.join()}`);
    assert.equal(event.evidence, comment);
    assert.deepEqual(feedbackTurn.messages.at(-1), { role: 'user', content: comment });
    assert.deepEqual(feedbackTurn.messages.at(-2), { role: 'assistant', content: rated.answer });
    assert.deepEqual(feedbackTurn.judged, { turn_id: TURN, model_served: 'm-served' });
    const again = buildExplicitFeedback({ rated, input: { turn_id: TURN, rating: -1, comment }, commentDetection: null });
    assert.equal(again.event.feedback_id, event.feedback_id, 'the same rating of the same turn is the same feedback');
    assert.notEqual(buildExplicitFeedback({ rated, input: { turn_id: TURN, rating: 1, comment: null }, commentDetection: null }).event.feedback_id, event.feedback_id);
  });
  test('a bare thumbs-up is praise; a neutral rating carries no labels', () => {
    const up = buildExplicitFeedback({ rated, input: { turn_id: TURN, rating: 1, comment: null }, commentDetection: null }).event;
    assert.equal(up.polarity, 'SAT');
    assert.deepEqual(up.satisfaction, ['praise']);
    assert.deepEqual(up.dissatisfaction, []);
    const neutral = buildExplicitFeedback({ rated, input: { turn_id: TURN, rating: 0, comment: null }, commentDetection: null }).event;
    assert.equal(neutral.polarity, 'NONE');
    assert.deepEqual([...neutral.satisfaction, ...neutral.dissatisfaction], []);
    assert.equal(neutral.evidence, null);
    assert.equal(validateFeedbackEvent(neutral).ok, true);
  });
});

onBothRuntimes('POST /v1/insitu/feedback end to end', async (env) => {
  const tenant = `explicit-${randomBytes(4).toString('hex')}`;
  const sim = await startSimUpstream();
  const insitu = await startInsitu({ ...env, INSITU_UPSTREAM_URL: sim.url, INSITU_DEFAULT_TENANT: tenant });
  const consumers = [await startFeedbackDetector(insitu.runtime), await preferenceBuilder.start(insitu.runtime)];
  const feedback: FeedbackEvent[] = [];
  const examples: TrainingExample[] = [];
  const pairs: PreferencePair[] = [];
  const reader = await insitu.runtime.bus.subscribe({
    group: `explicit-reader-${randomBytes(4).toString('hex')}`, topics: [TOPICS.feedback, TOPICS.examples, TOPICS.preferences], fromBeginning: true, ephemeral: true,
    handler: async (records) => {
      for (const r of records) (r.topic === TOPICS.feedback ? feedback : r.topic === TOPICS.examples ? examples : pairs).push(JSON.parse(r.value));
    },
  });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${insitu.proxy.url}/v1/insitu/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  try {
    const { data, response } = await insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Explain DNS.' }], user: 'u-7' }).withResponse();
    const turnId = response.headers.get('x-insitu-turn-id')!;
    sim.enqueue({ kind: 'completion', content: 'TCP is reliable.' });
    const second = await insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Explain TCP.' }], user: 'u-8' }).withResponse();
    const secondTurn = second.response.headers.get('x-insitu-turn-id')!;

    // The detector records the turn moments after the answer; until then the turn is unknown (404).
    let res = await post({ turn_id: turnId, rating: 'down', comment: 'Too long, shorter please.' });
    for (let i = 0; i < 100 && res.status === 404; i++) {
      await settle(50);
      res = await post({ turn_id: turnId, rating: 'down', comment: 'Too long, shorter please.' });
    }
    assert.equal(res.status, 202, await res.clone().text());
    const accepted = (await res.json()) as { id: string; polarity: string; turn_id: string };
    assert.equal(accepted.polarity, 'DSAT');
    assert.equal(accepted.turn_id, turnId);
    // The same rating again is the same feedback (idempotent downstream).
    const repeat = await post({ turn_id: turnId, rating: 'down', comment: 'Too long, shorter please.' });
    assert.equal(((await repeat.json()) as { id: string }).id, accepted.id);
    let up = await post({ turn_id: secondTurn, rating: 1 });
    for (let i = 0; i < 100 && up.status === 404; i++) {
      await settle(50);
      up = await post({ turn_id: secondTurn, rating: 1 });
    }
    assert.equal(up.status, 202);

    for (let i = 0; i < 200 && (feedback.length < 3 || examples.length < 3); i++) await settle(50);
    const down = feedback.filter((f) => f.judged_turn_id === turnId);
    assert.equal(down.length, 2, 'both posts published (same id: the builder treats them as one)');
    assert.equal(down[0]!.feedback_id, accepted.id);
    assert.equal(down[0]!.detector, 'explicit');
    assert.equal(down[0]!.user, 'u-7');
    assert.equal(down[0]!.tenant, tenant);
    assert.equal(validateFeedbackEvent(down[0]).ok, true);
    // The builder made the hindsight example of the rated exchange once, and an SFT example of the praised one.
    const hindsight = examples.filter((e) => e.kind === 'hindsight' && e.prompt.some((m) => m.content === 'Explain DNS.'));
    assert.equal(hindsight.length, 1, JSON.stringify(examples.map((e) => [e.kind, e.example_id])));
    assert.equal(hindsight[0]!.response.content, data.choices[0]!.message.content);
    assert.ok(examples.some((e) => e.kind === 'sft' && e.response.content === 'TCP is reliable.'));

    // The thumbed-down answer feeds an in-situ pair: the user asks again, and accepts the new answer.
    const history = [{ role: 'user' as const, content: 'Explain DNS.' }, data.choices[0]!.message];
    sim.enqueue({ kind: 'completion', content: 'DNS maps names to addresses.' });
    const retry = await insitu.client.chat.completions.create({ model: 'm', messages: [...history, { role: 'user', content: 'Explain DNS again, briefly.' }], user: 'u-7' });
    sim.enqueue({ kind: 'completion', content: 'Glad it helped.' });
    await insitu.client.chat.completions.create({ model: 'm', messages: [...history, { role: 'user', content: 'Explain DNS again, briefly.' }, retry.choices[0]!.message, { role: 'user', content: 'Thanks, that is perfect.' }], user: 'u-7' });
    for (let i = 0; i < 200 && pairs.length === 0; i++) await settle(50);
    assert.equal(pairs.length, 1, JSON.stringify(feedback.map((f) => [f.detector, f.polarity, f.state])));
    assert.equal(pairs[0]!.rejected.content, data.choices[0]!.message.content);
    assert.equal(pairs[0]!.chosen.content, 'DNS maps names to addresses.');
    assert.ok(pairs[0]!.feedback.some((f) => f.feedback_id === accepted.id), 'the pair names the thumbs-down among its feedback');

    // Bad input: OpenAI-style errors, nothing published.
    const before = feedback.length;
    for (const [body, status, code] of [
      ['{not json', 400, 'invalid_json'],
      [{ turn_id: turnId, rating: 5 }, 400, 'invalid_value'],
      [{ turn_id: 'turn_01JD5Z8Q4M7R2X9KCV3B6N0PQZ', rating: 1 }, 404, 'turn_not_found'],
    ] as const) {
      const r = await post(body);
      assert.equal(r.status, status);
      const err = ((await r.json()) as { error: { message: string; type: string; code: string } }).error;
      assert.equal(err.type, 'invalid_request_error');
      assert.equal(err.code, code);
      assert.ok(err.message.length > 10);
    }
    const otherTenant = await post({ turn_id: turnId, rating: 1 }, { 'x-insitu-tenant': 'someone-else' });
    assert.equal(otherTenant.status, 404, 'another tenant\'s turn is unknown');
    const huge = await post({ turn_id: turnId, rating: 1, comment: 'x'.repeat(20_000) });
    assert.equal(huge.status, 413);
    await settle(300);
    assert.equal(feedback.length, before);
  } finally {
    await reader.close();
    for (const c of consumers) await c.close();
    await insitu.close();
    await sim.close();
  }
});
