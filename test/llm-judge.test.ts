// The LLM judge and the cascade against a simulated OpenAI-compatible judge over real HTTP: good, malformed
// and failing answers.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCascadeDetector } from '../consumers/feedback-detector/cascade.js';
import { readJudgeAnswer, extractJsonObject } from '../consumers/feedback-detector/llm/answer.js';
import { createLlmDetector, DetectionError } from '../consumers/feedback-detector/llm/judge.js';
import { detectLocally } from '../consumers/feedback-detector/local/index.js';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';

let sim: SimUpstream;
before(async () => (sim = await startSimUpstream()));
after(async () => sim.close());
beforeEach(() => sim.reset());

const input = { history: [{ role: 'user', content: 'Summarise this article.' }], response: 'Here is a long summary of ten paragraphs ...', followUp: "Too long. I said one sentence, that's wrong." };
const good = JSON.stringify({ state: 'FEEDBACK', satisfaction: [], dissatisfaction: ['style', 'revision'], intent: 'creation', domain: 'writing_journalism_and_publishing', summary: 'The user wants a much shorter summary.', evidence: 'Too long', confidence: 0.9 });
const judge = (retries = 2) => createLlmDetector({ baseURL: sim.url, model: 'judge-model', apiKey: 'judge-key', timeoutMs: 2000, retries, concurrency: 2, backoffMs: 10 });

describe('reading judge answers', () => {
  test('code fences, chatter and braces inside strings', () => {
    assert.equal(extractJsonObject('Sure!\n```json\n{"a": "x}y", "b": {"c": 1}}\n```\nHope this helps.'), '{"a": "x}y", "b": {"c": 1}}');
    assert.equal(extractJsonObject('no json here'), null);
  });
  test('invalid labels are dropped, labels normalised, polarity derived, evidence checked', () => {
    const { detection, repairs } = readJudgeAnswer('{"state":"feedback","satisfaction":["Gratitude","made_up"],"dissatisfaction":["factual error"],"intent":"ANALYSIS","domain":"Math Logic And Statistics","summary":"x","evidence":"not in reply","confidence":3}', 'thanks but that is wrong');
    assert.deepEqual(detection.satisfaction, ['gratitude']);
    assert.deepEqual(detection.dissatisfaction, ['factual_error']);
    assert.equal(detection.polarity, 'MIXED');
    assert.equal(detection.domain, 'math_logic_and_statistics');
    assert.equal(detection.intent, 'analysis');
    assert.equal(detection.confidence, 1);
    assert.equal(detection.evidence, 'thanks but that is wrong');
    assert.ok(repairs.some((r) => r.includes('made_up')));
  });
});

describe('LLM judge over HTTP', () => {
  test('a good answer becomes a Detection; the prompt carries the reply; usage is counted', async () => {
    sim.enqueue({ kind: 'completion', content: good, usage: { prompt_tokens: 300, completion_tokens: 40 } });
    const j = judge();
    const d = await j.detect(input);
    assert.equal(d.polarity, 'DSAT');
    assert.deepEqual(d.dissatisfaction, ['style', 'revision']);
    assert.equal(d.evidence, 'Too long');
    const sent = sim.requests[0]!.json;
    assert.equal(sent.model, 'judge-model');
    assert.match(sent.messages[1].content, /Too long\. I said one sentence/);
    assert.equal(sim.requests[0]!.headers.authorization, 'Bearer judge-key');
    assert.deepEqual([j.stats().promptTokens, j.stats().completionTokens, j.stats().calls], [300, 40, 1]);
  });
  test('an unreadable answer is retried, then the good one is used', async () => {
    sim.enqueue({ kind: 'completion', content: 'I think the user is unhappy.' }, { kind: 'completion', content: '```json\n' + good + '\n```' });
    const j = judge();
    const d = await j.detect(input);
    assert.equal(d.polarity, 'DSAT');
    assert.equal(j.stats().retries, 1);
    assert.equal(sim.requests.length, 2);
  });
  test('a judge that keeps failing gives a DetectionError after retries, without its key in the message', async () => {
    sim.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 503 }, { kind: 'error', status: 500 });
    const j = judge(2);
    await assert.rejects(j.detect(input), (e: unknown) => e instanceof DetectionError && !e.message.includes('judge-key'));
    assert.equal(sim.requests.length, 3);
    assert.equal(j.stats().failures, 1);
  });
  test('a client error (400) is not retried', async () => {
    sim.enqueue({ kind: 'error', status: 400 });
    const j = judge(3);
    await assert.rejects(j.detect(input), DetectionError);
    assert.equal(sim.requests.length, 1);
  });
});

describe('cascade', () => {
  test('turns the local detector rules out stay local; the rest go to the judge; the share is counted', async () => {
    const neutral = { history: [], response: 'Oslo is the capital of Norway.', followUp: 'What is the population of Bergen?' };
    assert.equal(detectLocally(neutral).polarity, 'NONE');
    sim.enqueue({ kind: 'completion', content: good });
    const c = createCascadeDetector(detectLocally, judge());
    const a = await c.detect(neutral);
    const b = await c.detect(input);
    assert.equal(a.decider, 'cascade:local');
    assert.equal(b.decider, 'cascade:llm');
    assert.equal(sim.requests.length, 1);
    assert.deepEqual(c.stats(), { turns: 2, sentToJudge: 1, judgeFailures: 0 });
  });
  test('when the judge fails, the local verdict stands', async () => {
    sim.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 500 }, { kind: 'error', status: 500 });
    const c = createCascadeDetector(detectLocally, judge());
    const d = await c.detect(input);
    assert.equal(d.decider, 'cascade:local');
    assert.equal(d.polarity, detectLocally(input).polarity);
    assert.equal(c.stats().judgeFailures, 1);
  });
});
