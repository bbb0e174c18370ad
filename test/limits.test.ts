// Request limits: INSITU_MAX_MESSAGES (400 naming the limit) and INSITU_MAX_INFLIGHT (a request beyond it gets
// 503 with Retry-After at once, while the ones in flight complete).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { settle, startInsitu, type Insitu } from './support/insitu.js';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';

describe('request limits', () => {
  let sim: SimUpstream;
  let insitu: Insitu;
  before(async () => {
    sim = await startSimUpstream();
    insitu = await startInsitu({ INSITU_UPSTREAM_URL: sim.url, INSITU_MAX_MESSAGES: '3', INSITU_MAX_INFLIGHT: '2' });
  });
  after(async () => {
    await insitu.close();
    await sim.close();
  });

  test('more messages than INSITU_MAX_MESSAGES is a 400 too_many_messages naming the limit; nothing forwarded or recorded', async () => {
    const forwarded = sim.requests.length;
    const messages = Array.from({ length: 4 }, (_, i) => ({ role: 'user' as const, content: `message ${i}` }));
    const error = await insitu.client.chat.completions.create({ model: 'gpt-sim', messages }).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.equal(error.code, 'too_many_messages');
    assert.equal(error.param, 'messages');
    assert.equal(error.type, 'invalid_request_error');
    assert.match(error.message, /at most 3 messages/);
    assert.equal(sim.requests.length, forwarded);
    // Exactly the limit passes.
    const ok = await insitu.client.chat.completions.create({ model: 'gpt-sim', messages: messages.slice(0, 3) });
    assert.equal(ok.choices[0]!.message.content, 'echo: message 2');
    await insitu.waitForTurns(1);
    await settle(100);
    assert.equal(insitu.turns.length, 1, 'the refused request was not recorded');
  });

  test('INSITU_MAX_INFLIGHT=2: with two slow requests in flight a third gets 503 overloaded at once; the two complete', async () => {
    sim.reset();
    sim.enqueue({ kind: 'completion', content: 'slow one', delayMs: 1500 }, { kind: 'completion', content: 'slow two', delayMs: 1500 });
    const order: string[] = [];
    const ask = (content: string) => insitu.client.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content }] });
    const first = ask('first').then((r) => (order.push('first'), r));
    const second = ask('second').then((r) => (order.push('second'), r));
    await sim.waitForRequests(2); // both are in flight, upstream
    const third = await ask('third').then(() => null, (e: unknown) => e);
    order.push('third refused');
    assert.ok(third instanceof OpenAI.InternalServerError, String(third));
    assert.equal(third.status, 503);
    assert.equal(third.type, 'server_error');
    assert.equal(third.code, 'overloaded');
    assert.equal(third.headers?.get('retry-after'), '1');
    assert.equal(sim.requests.length, 2, 'the refused request never reached the upstream');
    const answers = await Promise.all([first, second]);
    assert.deepEqual(answers.map((a) => a.choices[0]!.message.content).sort(), ['slow one', 'slow two']);
    assert.equal(order[0], 'third refused', `the refusal came before the slow answers: ${order.join(', ')}`);
    // Capacity is back once they finished.
    assert.equal((await ask('fourth')).choices[0]!.message.content, 'echo: fourth');
  });

  test('the body-size 413 is unchanged', async () => {
    const big = await fetch(`${insitu.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-sim', messages: [{ role: 'user', content: 'x'.repeat(5 * 1024 * 1024) }] }) });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'request_too_large');
  });
});

describe('INSITU_MAX_PASSTHROUGH_BODY (every /v1 route but chat completions)', () => {
  let sim: SimUpstream;
  let insitu: Insitu;
  before(async () => {
    sim = await startSimUpstream();
    insitu = await startInsitu({ INSITU_UPSTREAM_URL: sim.url, INSITU_MAX_PASSTHROUGH_BODY: '2kb' });
  });
  after(async () => {
    await insitu.close();
    await sim.close();
  });
  const embeddings = (path: string) => sim.requests.filter((r) => r.path.endsWith(path)).length;

  test('a declared body over the limit gets an OpenAI-style 413 before any upstream call; one within it passes', async () => {
    const before = embeddings('/embeddings');
    const error = await insitu.client.embeddings.create({ model: 'emb', input: 'x'.repeat(3000) }).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError && error.status === 413, String(error));
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.code, 'request_too_large');
    assert.match(error.message, /limit of 2048 bytes/);
    assert.equal(embeddings('/embeddings'), before, 'nothing forwarded');
    const ok = await insitu.client.embeddings.create({ model: 'emb', input: 'small enough' });
    assert.equal(ok.data.length, 1);
    assert.equal(embeddings('/embeddings'), before + 1);
    // Chat completions keep INSITU_MAX_BODY (4 MB by default).
    const chat = await insitu.client.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'y'.repeat(3000) }] });
    assert.equal(chat.choices[0]!.message.content, `echo: ${'y'.repeat(3000)}`);
  });

  test('a chunked body (no Content-Length) is cut off at the limit with a 413; the proxy keeps serving', async () => {
    const before = embeddings('/embeddings');
    const part = new TextEncoder().encode(JSON.stringify({ model: 'emb', input: 'z'.repeat(1000) }));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 10) controller.enqueue(part); // ~10 KB in all, one chunk at a time
        else controller.close();
      },
    });
    const res = await fetch(`${insitu.baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    assert.equal(res.status, 413);
    const error = ((await res.json()) as { error: { type: string; code: string } }).error;
    assert.deepEqual([error.type, error.code], ['invalid_request_error', 'request_too_large']);
    assert.equal(embeddings('/embeddings'), before, 'the upstream never received a whole request');
    assert.equal((await insitu.client.embeddings.create({ model: 'emb', input: 'still served' })).data.length, 1);
  });
});
