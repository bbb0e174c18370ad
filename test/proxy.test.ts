// The proxy end to end on the embedded runtime: the official openai SDK as the client, a simulated
// OpenAI-compatible upstream over real HTTP, turns read back from the bus.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';
import { startInsitu, type Insitu } from './support/insitu.js';
import { freePort } from './support/kafka-broker.js';

let sim: SimUpstream;
let insitu: Insitu;

before(async () => {
  sim = await startSimUpstream();
  insitu = await startInsitu({ INSITU_UPSTREAM_URL: sim.url, INSITU_UPSTREAM_TIMEOUT_MS: '1500', INSITU_MAX_BODY: '64kb' });
});
after(async () => {
  await insitu.close();
  await sim.close();
});
beforeEach(() => sim.reset());

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${insitu.baseURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('chat completions through the proxy', () => {
  test('non-streaming: same status and body as the upstream, insitu headers, one valid TurnEvent', async () => {
    sim.enqueue({ kind: 'completion', content: 'Paris is the capital.', usage: { prompt_tokens: 9, completion_tokens: 5 }, model: 'gpt-sim-2' });
    const { data, response } = await insitu.client.chat.completions
      .create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'Capital of France?' }], temperature: 0.2 }, { headers: { 'x-insitu-user': 'alice' } })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'Paris is the capital.');
    const conversationId = response.headers.get('x-insitu-conversation-id');
    const turnId = response.headers.get('x-insitu-turn-id');
    assert.match(turnId ?? '', /^turn_[0-9A-Z]{26}$/);
    const turn = await insitu.waitForTurn(turnId);
    assert.equal(turn!.conversation_id, conversationId);
    assert.equal(turn!.turn_index, 0);
    assert.equal(turn!.stitch, 'new');
    assert.equal(turn!.user, 'alice');
    assert.equal(turn!.model_requested, 'gpt-sim');
    assert.equal(turn!.model_served, 'gpt-sim-2');
    assert.equal(turn!.assistant?.content, 'Paris is the capital.');
    assert.equal(turn!.finish_reason, 'stop');
    assert.deepEqual(turn!.usage, { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 });
    assert.equal(turn!.request.params.temperature, 0.2);
    assert.equal(turn!.stream, false);
    assert.equal(turn!.upstream_status, 200);
    assert.ok(turn!.timings.ttfb_ms !== null && turn!.timings.total_ms >= turn!.timings.ttfb_ms);
  });

  test('streaming with include_usage: the SDK reassembles the answer; the turn has content and usage', async () => {
    sim.enqueue({ kind: 'completion', content: 'one two three four', usage: { prompt_tokens: 4, completion_tokens: 4 }, keepAliveComments: true });
    const { data: stream, response } = await insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'count' }], stream: true, stream_options: { include_usage: true } }).withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'one two three four');
    assert.equal(usage?.total_tokens, 8);
    const turn = await insitu.waitForTurn(response.headers.get('x-insitu-turn-id'));
    assert.equal(turn!.stream, true);
    assert.equal(turn!.assistant?.content, 'one two three four');
    assert.equal(turn!.usage?.total_tokens, 8);
    assert.equal(turn!.finish_reason, 'stop');
  });

  test('SSE bytes pass through exactly as the upstream sent them (CRLF, comments, [DONE]), unbuffered', async () => {
    const chunks = [
      ': keep-alive\r\n\r\n',
      'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\r\n\r\n',
      'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" there"},"finish_reason":"stop"}]}\n\n',
      'data: [DONE]\n\n',
    ];
    sim.enqueue({ kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, chunks, chunkDelayMs: 150 });
    const res = await post('/chat/completions', JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    let firstArrival = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!firstArrival) firstArrival = decoder.decode(value, { stream: true }), (received += firstArrival);
      else received += decoder.decode(value, { stream: true });
    }
    assert.equal(received, chunks.join(''));
    // Unbuffered: the first read delivered the first chunk alone, before the upstream sent the second.
    assert.equal(firstArrival, chunks[0]);
  });

  test('tools, n > 1, response_format and unknown fields reach the upstream byte for byte', async () => {
    const body = JSON.stringify({
      model: 'm',
      n: 2,
      messages: [{ role: 'user', content: 'weather in Oslo?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      response_format: { type: 'json_object' },
      vendor_extension: { keep: ['me', 1] },
    });
    sim.enqueue({ kind: 'completion', content: null, toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }], n: 2, finishReason: 'tool_calls' });
    const res = await post('/chat/completions', body);
    assert.equal(res.status, 200);
    await res.json();
    assert.equal(sim.requests.at(-1)!.body.toString('utf8'), body);
    const turn = await insitu.waitForTurn(res.headers.get('x-insitu-turn-id'));
    assert.equal(turn!.assistant?.tool_calls?.[0]?.function.name, 'get_weather');
    assert.equal(turn!.assistant?.tool_calls?.[0]?.function.arguments, '{"city":"Oslo"}');
    assert.equal(turn!.finish_reason, 'tool_calls');
    assert.equal(turn!.extra_choices?.length, 1);
    assert.equal(turn!.request.tools?.length, 1);
    assert.deepEqual(turn!.request.params.vendor_extension, { keep: ['me', 1] });
  });

  test('streamed tool calls through the SDK are recorded whole', async () => {
    sim.enqueue({ kind: 'completion', content: null, toolCalls: [{ id: 'call_9', name: 'lookup', arguments: '{"q":"insitu proxy"}' }], finishReason: 'tool_calls' });
    const { data: stream, response } = await insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'look it up' }], stream: true, tools: [{ type: 'function', function: { name: 'lookup', parameters: {} } }] }).withResponse();
    let args = '';
    for await (const chunk of stream) args += chunk.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
    assert.equal(args, '{"q":"insitu proxy"}');
    const turn = await insitu.waitForTurn(response.headers.get('x-insitu-turn-id'));
    assert.deepEqual(turn!.assistant?.tool_calls, [{ id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '{"q":"insitu proxy"}' } }]);
  });

  test("without INSITU_UPSTREAM_API_KEY the client's own Authorization goes upstream; x-insitu headers do not", async () => {
    await insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-insitu-user': 'bob' } });
    const seen = sim.requests.at(-1)!;
    assert.equal(seen.headers.authorization, 'Bearer client-key');
    assert.equal(seen.headers['x-insitu-user'], undefined);
  });
});

describe('conversation stitching', () => {
  test('a 3-turn chat through the SDK is one conversation with turn_index 0, 1, 2', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: 'You are terse.' }];
    const ids: string[] = [];
    const turnIds: string[] = [];
    for (const question of ['What is 2+2?', 'And times 3?', 'Thanks, perfect.']) {
      messages.push({ role: 'user', content: question });
      const { data, response } = await insitu.client.chat.completions.create({ model: 'm', messages }).withResponse();
      ids.push(response.headers.get('x-insitu-conversation-id')!);
      turnIds.push(response.headers.get('x-insitu-turn-id')!);
      messages.push(data.choices[0]!.message);
    }
    assert.equal(new Set(ids).size, 1);
    const turns = await Promise.all(turnIds.map((id) => insitu.waitForTurn(id)));
    assert.deepEqual(turns.map((t) => t.turn_index), [0, 1, 2]);
    assert.deepEqual(turns.map((t) => t.stitch), ['new', 'derived', 'derived']);
    assert.ok(turns.every((t) => t.conversation_id === ids[0]));
  });

  test('a streamed answer stitches too', async () => {
    const stream = await insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'stream me' }], stream: true });
    let content = '';
    for await (const c of stream) content += c.choices[0]?.delta?.content ?? '';
    const first = await insitu.client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'stream me' }, { role: 'assistant', content }, { role: 'user', content: 'again' }] })
      .withResponse();
    const last = await insitu.waitForTurn(first.response.headers.get('x-insitu-turn-id'));
    assert.equal(last?.stitch, 'derived');
    assert.equal(last?.turn_index, 1);
  });

  test('an edited history forks a new conversation; the header overrides derivation', async () => {
    const q = { role: 'user' as const, content: 'Name a colour.' };
    const r1 = await insitu.client.chat.completions.create({ model: 'm', messages: [q] }).withResponse();
    const answer = r1.data.choices[0]!.message.content!;
    const edited = await insitu.client.chat.completions
      .create({ model: 'm', messages: [q, { role: 'assistant', content: answer + ' (edited)' }, { role: 'user', content: 'another' }] })
      .withResponse();
    assert.notEqual(edited.response.headers.get('x-insitu-conversation-id'), r1.response.headers.get('x-insitu-conversation-id'));
    const pinned = await insitu.client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'anything' }] }, { headers: { 'x-insitu-conversation-id': 'app-chat-42' } })
      .withResponse();
    assert.equal(pinned.response.headers.get('x-insitu-conversation-id'), 'app-chat-42');
    const again = await insitu.client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'unrelated' }] }, { headers: { 'x-insitu-conversation-id': 'app-chat-42' } })
      .withResponse();
    const turn = await insitu.waitForTurn(again.response.headers.get('x-insitu-turn-id'));
    assert.equal(turn?.stitch, 'header');
    assert.equal(turn?.turn_index, 1);
  });
});

describe('upstream failures become OpenAI-style errors', () => {
  test('an upstream JSON error passes through with its status', async () => {
    sim.enqueue({ kind: 'error', status: 400, body: { error: { message: 'context too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } });
    await assert.rejects(
      insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 400 && e.code === 'context_length_exceeded' && /context too long/.test(e.message),
    );
  });

  test('an HTML 503 page is wrapped into an OpenAI error with the same status, and recorded', async () => {
    sim.enqueue({ kind: 'error', status: 503, rawBody: '<html><body>Service Unavailable</body></html>' });
    const res = await post('/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }));
    assert.equal(res.status, 503);
    const body = (await res.json()) as { error: { message: string; type: string; code: string } };
    assert.equal(body.error.type, 'upstream_error');
    assert.match(body.error.message, /503/);
    const turn = await insitu.waitForTurn(res.headers.get('x-insitu-turn-id'));
    assert.equal(turn!.upstream_status, 503);
    assert.equal(turn!.finish_reason, 'upstream_error');
    assert.equal(turn!.assistant, null);
  });

  test('an upstream that never answers gives 504, not a hang', async () => {
    sim.enqueue({ kind: 'hang' });
    await assert.rejects(
      insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 504 && (e.error as { type?: string })?.type === 'upstream_error',
    );
  });

  test('an upstream that refuses connections gives 502', async () => {
    const port = await freePort();
    const dead = await startInsitu({ INSITU_UPSTREAM_URL: `http://127.0.0.1:${port}/v1` });
    try {
      await assert.rejects(dead.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof OpenAI.APIError && e.status === 502);
      const [turn] = await dead.waitForTurns(1);
      assert.equal(turn!.finish_reason, 'upstream_error');
    } finally {
      await dead.close();
    }
  });

  test('an upstream that dies mid-stream: the client sees a clean end with an error event; the partial turn is recorded', async () => {
    sim.enqueue({ kind: 'drop', afterChunks: 2 });
    const res = await post('/chat/completions', JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'a b c d e f g h' }] }));
    const text = await res.text();
    assert.match(text, /"type":"upstream_error"/);
    const turn = await insitu.waitForTurn(res.headers.get('x-insitu-turn-id'));
    assert.equal(turn!.finish_reason, 'upstream_error');
    assert.ok((turn!.assistant?.content ?? '').length > 0);
  });
});

describe('client disconnects', () => {
  test('aborting mid-stream aborts the upstream request and records the partial turn as client_abort', async () => {
    const aborts = sim.clientAborts;
    sim.enqueue({ kind: 'completion', content: 'w1 w2 w3 w4 w5 w6 w7 w8 w9 w10', chunkDelayMs: 200 });
    const controller = new AbortController();
    const { data: stream, response } = await insitu.client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'long' }], stream: true }, { signal: controller.signal })
      .withResponse();
    let got = '';
    try {
      for await (const chunk of stream) {
        got += chunk.choices[0]?.delta?.content ?? '';
        if (got.includes('w2')) controller.abort();
      }
    } catch {
      // the SDK may surface the abort as an error; either way the client stopped reading
    }
    assert.ok(!got.includes('w10'));
    await sim.waitForClientAborts(aborts + 1, 5000);
    const turn = await insitu.waitForTurn(response.headers.get('x-insitu-turn-id'));
    assert.equal(turn!.finish_reason, 'client_abort');
    assert.ok(turn!.assistant?.content?.startsWith('w1'));
    assert.ok(!turn!.assistant?.content?.includes('w10'));
  });
});

describe('bad input', () => {
  const cases: [string, string, number, string][] = [
    ['invalid JSON', '{"model": "m", "messages": [', 400, 'invalid_json'],
    ['a JSON array', '[1,2]', 400, 'invalid_body'],
    ['missing messages', '{"model":"m"}', 400, 'missing_required_parameter'],
    ['messages not an array', '{"model":"m","messages":"hi"}', 400, 'invalid_type'],
    ['empty messages', '{"model":"m","messages":[]}', 400, 'empty_array'],
    ['a message without role', '{"model":"m","messages":[{"content":"hi"}]}', 400, 'invalid_type'],
    ['a body over INSITU_MAX_BODY', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] }), 413, 'request_too_large'],
  ];
  for (const [name, body, status, code] of cases) {
    test(`${name} -> ${status} with an OpenAI-style error, nothing forwarded or recorded`, async () => {
      await insitu.proxy.outbox.drain(5000);
      const published = insitu.proxy.outbox.stats().published + insitu.proxy.outbox.stats().pending;
      const res = await post('/chat/completions', body);
      assert.equal(res.status, status);
      const json = (await res.json()) as { error: { message: string; type: string; code: string } };
      assert.equal(json.error.type, 'invalid_request_error');
      assert.equal(json.error.code, code);
      assert.ok(json.error.message.length > 0);
      assert.equal(sim.requests.length, 0);
      assert.equal(insitu.proxy.outbox.stats().published + insitu.proxy.outbox.stats().pending, published);
    });
  }
  test('an invalid conversation id header is refused', async () => {
    const res = await post('/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), { 'x-insitu-conversation-id': 'bad id\twith spaces' });
    assert.equal(res.status, 400);
  });
});

describe('other routes', () => {
  test('/v1/models and /v1/embeddings pass through and are not recorded', async () => {
    const before = insitu.proxy.outbox.stats().published + insitu.proxy.outbox.stats().pending;
    const models = await insitu.client.models.list();
    assert.ok(models.data.length > 0);
    const emb = await insitu.client.embeddings.create({ model: 'e', input: ['a', 'b'] });
    assert.equal(emb.data.length, 2);
    assert.equal(insitu.proxy.outbox.stats().published + insitu.proxy.outbox.stats().pending, before);
  });
  test('health and readiness', async () => {
    const health = await fetch(`${insitu.proxy.url}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${insitu.proxy.url}/readyz`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { status: string; bus: { kind: string; ok: boolean }; state: { ok: boolean } };
    assert.equal(body.status, 'ready');
    assert.equal(body.bus.kind, 'embedded');
  });
  test("Insitu's own /v1/insitu/ paths: unknown ones are a 404 (never forwarded), a wrong method a 405 with Allow", async () => {
    const expectError = async (res: Response, status: number, code: string) => {
      assert.equal(res.status, status);
      const body = (await res.json()) as { error: { message: string; type: string; code: string } };
      assert.equal(body.error.type, 'invalid_request_error');
      assert.equal(body.error.code, code);
      assert.ok(body.error.message.length > 0);
    };
    for (const [method, path] of [['GET', '/insitu/nope'], ['POST', '/insitu/feedbacks'], ['GET', '/insitu'], ['GET', '/insitu/dashboard/nope'], ['DELETE', '/insitu/streams']] as const) {
      await expectError(await fetch(`${insitu.baseURL}${path}`, { method }), 404, 'unknown_url');
    }
    assert.equal(sim.requests.length, 0, 'nothing under /v1/insitu/ goes upstream');
    for (const [method, path, allow] of [
      ['GET', '/insitu/feedback', 'POST'],
      ['PUT', '/insitu/feedback', 'POST'],
      ['POST', '/insitu/streams/preferences', 'GET, HEAD'],
      ['DELETE', '/insitu/dashboard/jobs', 'GET, HEAD'],
      ['POST', '/insitu/dashboard/stream', 'GET, HEAD'],
    ] as const) {
      const res = await fetch(`${insitu.baseURL}${path}`, { method });
      assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
      await expectError(res, 405, 'method_not_allowed');
    }
    const page = await fetch(`${insitu.proxy.url}/insitu/`, { method: 'POST' });
    assert.equal(page.headers.get('allow'), 'GET, HEAD');
    await expectError(page, 405, 'method_not_allowed');
  });

  test('an unknown route outside /v1 gets an OpenAI-style 404', async () => {
    const res = await fetch(`${insitu.proxy.url}/nope`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
  });
});

describe('secrets', () => {
  test('INSITU_UPSTREAM_API_KEY replaces the client key upstream and appears in no event', async () => {
    const secret = 'sk-upstream-SECRET-1234567890';
    const keyed = await startInsitu({ INSITU_UPSTREAM_URL: sim.url, INSITU_UPSTREAM_API_KEY: secret });
    try {
      await keyed.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(sim.requests.at(-1)!.headers.authorization, `Bearer ${secret}`);
      const [turn] = await keyed.waitForTurns(1);
      assert.ok(!JSON.stringify(turn).includes(secret));
      assert.ok(!JSON.stringify(turn).includes('client-key'));
    } finally {
      await keyed.close();
    }
  });
});

describe('state store down', () => {
  test('with Redis unreachable the proxy still serves and records; stitching degrades and /readyz says so', async () => {
    const port = await freePort();
    const degraded = await startInsitu({ INSITU_UPSTREAM_URL: sim.url, INSITU_REDIS_URL: `redis://127.0.0.1:${port}`, INSITU_STATE_TIMEOUT_MS: '100' });
    try {
      const first = await degraded.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      const { response } = await degraded.client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }, first.choices[0]!.message, { role: 'user', content: 'again' }] })
        .withResponse();
      const turn = await degraded.waitForTurn(response.headers.get('x-insitu-turn-id'));
      assert.equal(turn.stitch, 'new'); // cannot derive without state
      const pinned = await degraded.client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-insitu-conversation-id': 'still-works' } })
        .withResponse();
      assert.equal(pinned.response.headers.get('x-insitu-conversation-id'), 'still-works');
      const ready = await fetch(`${degraded.proxy.url}/readyz`);
      assert.equal(ready.status, 200, 'it still serves and records, so it stays in service');
      const body = (await ready.json()) as { status: string; state: { ok: boolean; stitching?: string }; bus: { ok: boolean } };
      assert.equal(body.status, 'degraded');
      assert.equal(body.state.ok, false);
      assert.equal(body.bus.ok, true);
      assert.match(body.state.stitching ?? '', /degraded/);
    } finally {
      await degraded.close();
    }
  });
});
