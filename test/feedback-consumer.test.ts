// The feedback detector: its pure core without I/O, then the consumer end to end on both runtimes — a
// scripted 3-turn chat through the proxy with the openai SDK yields the right FeedbackEvents on the bus, and
// re-delivered turns yield none.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type OpenAI from 'openai';
import { buildFeedbackEvent, feedbackId, planFeedback } from '../consumers/feedback-detector/core.js';
import { detectLocally } from '../consumers/feedback-detector/local/index.js';
import { startFeedbackDetector } from '../consumers/feedback-detector/runner.js';
import type { FeedbackEvent } from '../src/events/feedback.js';
import type { TurnEvent } from '../src/events/turn.js';
import { validateFeedbackEvent } from '../src/events/validate.js';
import { TOPICS } from '../src/topics.js';
import { startInsitu, settle, type Insitu } from './support/insitu.js';
import { onBothRuntimes } from './support/runtimes.js';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';

function turn(index: number, messages: { role: string; content: string }[], answer: string | null): TurnEvent {
  return {
    schema: 'insitu.turn', version: 1, turn_id: `turn_0000000000000000000000000${index}`, conversation_id: 'conv_a', turn_index: index, stitch: index ? 'derived' : 'new',
    tenant: 'default', user: 'u1', model_requested: 'm', model_served: 'm', request: { messages, params: {} },
    assistant: answer === null ? null : { role: 'assistant', content: answer }, finish_reason: 'stop', usage: null, timings: { ttfb_ms: 1, total_ms: 2 },
    upstream_status: 200, stream: false, created_at: new Date().toISOString(),
  };
}

describe('feedback detector core (no I/O)', () => {
  const t0 = turn(0, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'Capital of Australia?' }], 'Sydney.');
  const t1 = turn(1, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'Capital of Australia?' }, { role: 'assistant', content: 'Sydney.' }, { role: 'user', content: "No, that's wrong, it is Canberra." }], 'Canberra, sorry.');
  test('the first turn is remembered, not judged', () => {
    const plan = planFeedback(t0, null);
    assert.equal(plan.kind, 'skip');
    assert.deepEqual(plan.remember, { turn_id: t0.turn_id, turn_index: 0, assistant: 'Sydney.', model: 'm' });
  });
  test('the next user message judges the remembered answer, with the history before it', () => {
    const plan = planFeedback(t1, { turn_id: t0.turn_id, turn_index: 0, assistant: 'Sydney.' });
    assert.equal(plan.kind, 'judge');
    if (plan.kind !== 'judge') return;
    assert.equal(plan.input.response, 'Sydney.');
    assert.equal(plan.input.followUp, "No, that's wrong, it is Canberra.");
    assert.deepEqual(plan.input.history.map((m) => m.role), ['system', 'user']);
    const event = buildFeedbackEvent(t1, plan.judged, detectLocally(plan.input), 'local', 0.05);
    assert.equal(validateFeedbackEvent(event).ok, true);
    assert.equal(event.polarity, 'DSAT');
    assert.equal(event.judged_turn_id, t0.turn_id);
    assert.equal(event.feedback_id, feedbackId(t0.turn_id, t1.turn_id));
  });
  test('a re-delivered or older turn is stale; a tool-result turn has no user message to judge', () => {
    assert.equal(planFeedback(t1, { turn_id: t1.turn_id, turn_index: 1, assistant: 'x' }).kind, 'skip');
    const tool = turn(2, [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'calling' }, { role: 'tool', content: '42' }], 'The answer is 42.');
    const plan = planFeedback(tool, { turn_id: t1.turn_id, turn_index: 1, assistant: 'x' });
    assert.equal(plan.kind === 'skip' && plan.reason, 'no_user_message');
    assert.equal(plan.remember?.assistant, 'The answer is 42.');
  });
});

async function endToEnd(env: Record<string, string>) {
  const sim = await startSimUpstream();
  const insitu: Insitu = await startInsitu({ ...env, INSITU_UPSTREAM_URL: sim.url });
  const detector = await startFeedbackDetector(insitu.runtime);
  const feedback: FeedbackEvent[] = [];
  const reader = await insitu.runtime.bus.subscribe({
    group: `fb-reader-${randomBytes(4).toString('hex')}`, topics: [TOPICS.feedback], fromBeginning: true, ephemeral: true,
    handler: async (records) => {
      for (const r of records) {
        const parsed = JSON.parse(r.value);
        assert.equal(validateFeedbackEvent(parsed).ok, true, JSON.stringify(validateFeedbackEvent(parsed)));
        feedback.push(parsed);
      }
    },
  });
  const waitFor = async (n: number) => {
    for (let i = 0; i < 300 && feedback.length < n; i++) await settle(100);
    assert.ok(feedback.length >= n, `saw ${feedback.length} of ${n} feedback events`);
  };
  try {
    sim.enqueue(
      { kind: 'completion', content: 'Leaves fall, crisp and gold, whispering of colder days, the year exhales slow, and every branch lets go of summer one leaf at a time.' },
      { kind: 'completion', content: 'Leaves fall, crisp and gold.' },
      { kind: 'completion', content: 'Glad it works for you!' },
    );
    const messages: OpenAI.ChatCompletionMessageParam[] = [];
    const turnIds: string[] = [];
    for (const q of ['Write a haiku about autumn.', 'No, that is wrong. Make it shorter please.', 'Thanks, perfect!']) {
      messages.push({ role: 'user', content: q });
      const { data, response } = await insitu.client.chat.completions.create({ model: 'm', messages }).withResponse();
      turnIds.push(response.headers.get('x-insitu-turn-id')!);
      messages.push(data.choices[0]!.message);
    }
    await waitFor(2);
    assert.deepEqual(feedback.map((f) => [f.judged_turn_id, f.feedback_turn_id]), [[turnIds[0], turnIds[1]], [turnIds[1], turnIds[2]]]);
    assert.equal(feedback[0]!.polarity, 'DSAT');
    assert.ok(feedback[0]!.dissatisfaction.includes('style'));
    assert.match(feedback[0]!.evidence ?? '', /shorter/);
    assert.equal(feedback[1]!.polarity, 'SAT');
    assert.ok(feedback[1]!.satisfaction.includes('gratitude'));
    assert.equal(feedback[1]!.detector, 'local');

    // Re-deliver every turn (as after a consumer crash before its commit): no new feedback.
    const turns = await insitu.waitForTurns(3);
    await insitu.runtime.bus.publish(turns.map((t) => ({ topic: TOPICS.turns, key: t.conversation_id, value: JSON.stringify(t) })));
    await insitu.waitForTurns(6);
    await settle(1500);
    assert.equal(feedback.length, 2);
  } finally {
    await reader.close();
    await detector.close();
    await insitu.close();
    await sim.close();
  }
}

onBothRuntimes('feedback detector consumer end to end', endToEnd);
