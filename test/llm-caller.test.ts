// The shared LLM caller against a simulated OpenAI-compatible model over real HTTP: retries and what is not
// retried, the concurrency limit, token counting on unreadable answers, and no API key in its errors.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLlmCaller, LlmCallError, readFirstJson, UnreadableAnswerError } from '../src/llm/index.js';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';

let sim: SimUpstream;
before(async () => (sim = await startSimUpstream()));
after(async () => sim.close());
beforeEach(() => sim.reset());

const caller = (over: { retries?: number; concurrency?: number } = {}) =>
  createLlmCaller({ baseURL: sim.url, model: 'm', apiKey: 'caller-secret', timeoutMs: 2000, retries: over.retries ?? 2, concurrency: over.concurrency ?? 2, backoffMs: 5 });
const request = { messages: [{ role: 'user' as const, content: 'hi' }] };
const number = (answer: string) => {
  const n = Number(answer);
  if (!Number.isFinite(n)) throw new UnreadableAnswerError(`not a number: ${answer}`);
  return { value: n, repairs: n < 0 ? ['negative'] : [] };
};

describe('finding JSON in answers', () => {
  test('the first opening that parses wins; lists and objects; nothing', () => {
    assert.deepEqual(readFirstJson('see [below] and {oops} then ```json\n[{"a": "x]}"}]\n```'), [{ a: 'x]}' }]);
    assert.deepEqual(readFirstJson('{"b": 1} [2]'), { b: 1 });
    assert.equal(readFirstJson('no json {here'), undefined);
  });
});

describe('LLM caller over HTTP', () => {
  test('unreadable answers are retried and their tokens counted; repairs counted', async () => {
    sim.enqueue({ kind: 'completion', content: 'many', usage: { prompt_tokens: 10, completion_tokens: 1 } }, { kind: 'completion', content: '-3', usage: { prompt_tokens: 10, completion_tokens: 1 } });
    const c = caller();
    assert.equal(await c.complete(request, number), -3);
    assert.deepEqual(c.stats(), { calls: 2, failures: 0, retries: 1, repairs: 1, promptTokens: 20, completionTokens: 2 });
    assert.equal(sim.requests[0]!.json.model, 'm');
    assert.equal(sim.requests[0]!.json.temperature, 0);
  });

  test('a reader bug is not retried', async () => {
    sim.enqueue({ kind: 'completion', content: '1' });
    const c = caller();
    await assert.rejects(c.complete(request, () => { throw new TypeError('bug'); }), (e: unknown) => e instanceof LlmCallError && e.attempts === 1 && e.cause instanceof TypeError);
    assert.equal(sim.requests.length, 1);
  });

  test('429 and 5xx are retried up to the limit; the error names the attempts, never the key', async () => {
    const echo = { error: { message: 'rate limited for caller-secret', type: 'rate_limit', param: null, code: null } };
    sim.enqueue({ kind: 'error', status: 429, body: echo }, { kind: 'error', status: 503 }, { kind: 'error', status: 429, body: echo });
    const c = caller({ retries: 2 });
    await assert.rejects(c.complete(request, number), (e: unknown) => e instanceof LlmCallError && e.attempts === 3 && e.message.includes('rate limited') && !e.message.includes('caller-secret'));
    assert.equal(sim.requests.length, 3);
    assert.deepEqual([c.stats().failures, c.stats().retries], [1, 2]);
  });

  test('at most `concurrency` calls are in flight', async () => {
    sim.enqueue({ kind: 'completion', content: '1', delayMs: 150 }, { kind: 'completion', content: '2' });
    const c = caller({ concurrency: 1 });
    const both = Promise.all([c.complete(request, number), c.complete(request, number)]);
    await sim.waitForRequests(1);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(sim.requests.length, 1, 'the second call waits for the first');
    assert.deepEqual(await both, [1, 2]);
    assert.equal(sim.requests.length, 2);
  });
});
