// The simulated upstream must look like OpenAI to the official SDK, or proxy tests would test the sim.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';

let sim: SimUpstream;
let client: OpenAI;
before(async () => {
  sim = await startSimUpstream();
  client = new OpenAI({ baseURL: sim.url, apiKey: 'test', maxRetries: 0, timeout: 5000 });
});
after(() => sim.close());
beforeEach(() => sim.reset());

describe('sim upstream through the openai SDK', () => {
  test('non-streaming default reply echoes the last user message', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'hello there' }] });
    assert.equal(res.choices[0]!.message.content, 'echo: hello there');
    assert.equal(res.choices[0]!.finish_reason, 'stop');
    assert.equal(res.model, 'gpt-sim-served');
    assert.equal(sim.requests.length, 1);
    assert.equal(sim.requests[0]!.path, '/v1/chat/completions');
    assert.equal(sim.requests[0]!.headers.authorization, 'Bearer test');
    assert.equal(sim.requests[0]!.json.messages[1].content, 'hello there');
  });

  test('scripted completion: content, usage, model', async () => {
    sim.enqueue({ kind: 'completion', content: 'Paris.', usage: { prompt_tokens: 9, completion_tokens: 2 }, model: 'gpt-sim-2' });
    const res = await client.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'capital?' }] });
    assert.equal(res.choices[0]!.message.content, 'Paris.');
    assert.equal(res.model, 'gpt-sim-2');
    assert.deepEqual(res.usage, { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 });
  });

  test('streaming with include_usage: content reassembles, usage arrives in a choices-less chunk', async () => {
    sim.enqueue({ kind: 'completion', content: 'one two three four', usage: { prompt_tokens: 4, completion_tokens: 4 } });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'count' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let contentChunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const c = chunk.choices[0]?.delta?.content;
      if (c) (text += c), contentChunks++;
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) {
        usage = chunk.usage;
        assert.equal(chunk.choices.length, 0);
      }
    }
    assert.equal(text, 'one two three four');
    assert.ok(contentChunks >= 4, 'content is split into several deltas');
    assert.equal(finish, 'stop');
    assert.equal(usage?.total_tokens, 8);
  });

  test('streaming helper (runner) reassembles the final message', async () => {
    const final = await client.chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).finalChatCompletion();
    assert.equal(final.choices[0]!.message.content, 'echo: hi');
  });

  test('tool calls, non-streaming', async () => {
    sim.enqueue({ kind: 'completion', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] });
    const res = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'weather?' }] });
    const choice = res.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.deepEqual(choice.message.tool_calls, [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }]);
  });

  test('tool calls, streaming: the SDK runner reassembles name and arguments', async () => {
    sim.enqueue({ kind: 'completion', toolCalls: [{ id: 'call_a', name: 'lookup', arguments: '{"q":"insitu proxy"}' }, { name: 'second', arguments: '{}' }] });
    const runner = client.chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'lookup', parameters: {} } }] });
    let argDeltas = 0;
    runner.on('chunk', (c) => (argDeltas += c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ? 1 : 0));
    const final = await runner.finalChatCompletion();
    const calls = final.choices[0]!.message.tool_calls!;
    assert.equal(final.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[0], { id: 'call_a', type: 'function', function: { name: 'lookup', arguments: '{"q":"insitu proxy"}' } });
    assert.equal(calls[1]!.type === 'function' && calls[1]!.function.name, 'second');
    assert.ok(argDeltas > 1, 'arguments arrive in several pieces');
  });

  test('n=2 gives two choices, streaming and not', async () => {
    const res = await client.chat.completions.create({ model: 'm', n: 2, messages: [{ role: 'user', content: 'pick' }] });
    assert.deepEqual(res.choices.map((c) => [c.index, c.message.content]), [[0, 'echo: pick'], [1, 'echo: pick']]);
    sim.enqueue({ kind: 'completion', content: 'a b', n: 2 });
    const final = await client.chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'pick' }] }).finalChatCompletion();
    assert.deepEqual(final.choices.map((c) => c.message.content), ['a b', 'a b']);
  });

  test('an error reply becomes an OpenAI.APIError with that status and body', async () => {
    sim.enqueue({ kind: 'error', status: 429, body: { error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limit' } } });
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError);
      assert.equal(e.status, 429);
      assert.equal(e.code, 'rate_limit');
      return true;
    });
    sim.enqueue({ kind: 'error', status: 502, rawBody: '<html><body>Bad Gateway</body></html>' });
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof OpenAI.APIError && e.status === 502);
  });

  test('keep-alive comments between chunks do not break the SDK', async () => {
    sim.enqueue({ kind: 'completion', content: 'alpha beta gamma', keepAliveComments: true, chunkDelayMs: 5 });
    const res = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', stream: true, messages: [] }) });
    const raw = await res.text();
    assert.match(raw, /: keep-alive\n\n/);
    assert.ok(raw.endsWith('data: [DONE]\n\n'));
    sim.enqueue({ kind: 'completion', content: 'alpha beta gamma', keepAliveComments: true });
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true })) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'alpha beta gamma');
  });

  test('models and embeddings (deterministic, base64 or float)', async () => {
    const models = [];
    for await (const m of client.models.list()) models.push(m.id);
    assert.ok(models.includes('gpt-sim'));
    const a = await client.embeddings.create({ model: 'sim-embedding', input: ['a', 'b'] });
    const b = await client.embeddings.create({ model: 'sim-embedding', input: 'a', encoding_format: 'float' });
    assert.equal(a.data.length, 2);
    assert.equal(a.data[0]!.embedding.length, 8);
    assert.deepEqual(Array.from(a.data[0]!.embedding), b.data[0]!.embedding);
    assert.notDeepEqual(a.data[0]!.embedding, a.data[1]!.embedding);
  });

  test('unknown routes are 404 in the OpenAI error shape', async () => {
    const res = await fetch(`${sim.url}/nope`);
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { message: string; type: string; param: null; code: string } };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.ok('param' in body.error && 'code' in body.error);
  });
});

describe('sim upstream failure modes', () => {
  test('drop: some chunks, then the connection is cut', async () => {
    sim.enqueue({ kind: 'drop', afterChunks: 2 });
    const res = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'a b c' }] }) });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let got = '';
    await assert.rejects(async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        got += Buffer.from(value).toString('utf8');
      }
    });
    assert.equal(got.match(/^data: /gm)?.length, 2);
    assert.ok(!got.includes('[DONE]'));
  });

  test('hang + client abort is counted; raw replies are exact bytes', async () => {
    const aborts = sim.clientAborts;
    sim.enqueue({ kind: 'hang' });
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [] }, { timeout: 200 }), OpenAI.APIConnectionTimeoutError);
    await sim.waitForClientAborts(aborts + 1, 2000);
    sim.enqueue({ kind: 'raw', status: 201, headers: { 'content-type': 'text/plain', 'x-raw': '1' }, chunks: ['ab', Buffer.from('cd')], chunkDelayMs: 10 });
    const res = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-raw'), '1');
    assert.equal(await res.text(), 'abcd');
    await sim.waitForRequests(2, 1000);
  });

  test('close() ends hanging requests', async () => {
    const other = await startSimUpstream();
    other.enqueue({ kind: 'hang' });
    const pending = fetch(`${other.url}/chat/completions`, { method: 'POST', body: '{}' });
    await other.waitForRequests(1, 2000);
    await other.close();
    await assert.rejects(pending);
  });
});
