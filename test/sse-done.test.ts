// The stream's end event: the proxy holds back only a real `data: [DONE]` event (at the start of an event, LF
// or CRLF, split anywhere) until the turn is recorded; the same bytes inside a chunk's JSON content pass on at
// once, and the client (openai SDK, and raw bytes) receives exactly what the upstream sent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDoneSplitter } from '../proxy/sse-done.js';
import { startInsitu, type Insitu } from './support/insitu.js';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';

/** Feeds the chunks; returns what passed at once and what was held at the end. */
function split(chunks: string[]): { passed: string; held: string; done: boolean } {
  const s = createDoneSplitter();
  const passed = chunks.map((c) => s.push(Buffer.from(c)).toString()).join('');
  return { passed, held: s.held().toString(), done: s.done };
}

const chunk = (content: string, finish: string | null = null) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] });
const role = JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
const TRICKY = 'An SSE stream ends with\ndata: [DONE]\n\nand data:[DONE] too.';

describe('finding the [DONE] event', () => {
  test('a real [DONE] event is held with what follows it; what precedes it passes', () => {
    assert.deepEqual(split(['data: {"a":1}\n\n', 'data: [DONE]\n\n']), { passed: 'data: {"a":1}\n\n', held: 'data: [DONE]\n\n', done: true });
    assert.deepEqual(split(['data: {"a":1}\n\ndata: [DONE]\n\n']), { passed: 'data: {"a":1}\n\n', held: 'data: [DONE]\n\n', done: true });
    assert.deepEqual(split(['data: [DONE]\n\n']), { passed: '', held: 'data: [DONE]\n\n', done: true });
    assert.deepEqual(split(['data: {"a":1}\r\n\r\n', 'data: [DONE]\r\n\r\n', 'extra']), { passed: 'data: {"a":1}\r\n\r\n', held: 'data: [DONE]\r\n\r\nextra', done: true });
    assert.deepEqual(split(['data: {"a":1}\n\ndata:[DONE]\n\n']), { passed: 'data: {"a":1}\n\n', held: 'data:[DONE]\n\n', done: true });
    assert.deepEqual(split([': keep-alive\n', 'data: [DONE]\n\n']), { passed: ': keep-alive\n', held: 'data: [DONE]\n\n', done: true });
  });
  test('split anywhere, across chunks (also the blank line before it)', () => {
    const whole = 'data: {"a":1}\r\n\r\ndata: [DONE]\r\n\r\n';
    for (let i = 1; i < whole.length; i++) {
      for (let j = i + 1; j < whole.length; j++) {
        const r = split([whole.slice(0, i), whole.slice(i, j), whole.slice(j)]);
        assert.deepEqual(r, { passed: 'data: {"a":1}\r\n\r\n', held: 'data: [DONE]\r\n\r\n', done: true }, `split at ${i}, ${j}`);
      }
    }
  });
  test('the bytes inside JSON content, or not at an event start, are not the end', () => {
    const content = `data: ${chunk(TRICKY)}\n\n`;
    assert.ok(content.includes('data: [DONE]'));
    assert.deepEqual(split([content]), { passed: content, held: '', done: false });
    for (let i = 1; i < content.length; i++) assert.deepEqual(split([content.slice(0, i), content.slice(i)]), { passed: content, held: '', done: false }, `split at ${i}`);
    assert.deepEqual(split(['event: x\ndata: [DONE]\n\n']), { passed: 'event: x\ndata: [DONE]\n\n', held: '', done: false });
    assert.deepEqual(split(['data: [DONE]x'.slice(0, 9)]), { passed: '', held: 'data: [DO', done: false }, 'a line that may still be the end waits');
    assert.deepEqual(split(['data: [DO', 'G]\n\n']), { passed: 'data: [DOG]\n\n', held: '', done: false });
  });
});

describe('the proxy passes content that mentions [DONE] through at once', () => {
  let sim: SimUpstream;
  let insitu: Insitu;
  before(async () => {
    sim = await startSimUpstream();
    insitu = await startInsitu({ INSITU_UPSTREAM_URL: sim.url });
  });
  after(async () => {
    await insitu.close();
    await sim.close();
  });
  const headers = { 'content-type': 'text/event-stream' };
  const events = [`data: ${role}\n\n`, `data: ${chunk(TRICKY)}\n\n`, `data: ${chunk(' More.', 'stop')}\n\n`, 'data: [DONE]\n\n'];

  test('the SDK receives the chunk whose text contains "data: [DONE]" while the upstream is still sending, then exactly the rest', async () => {
    let release: () => void = () => undefined;
    let releasedByGuard = false;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // A guard so a regression fails instead of hanging: the upstream goes on by itself after a while.
    const guard = setTimeout(() => ((releasedByGuard = true), release()), 20_000);
    sim.enqueue({ kind: 'raw', status: 200, headers, chunks: events, pauseBefore: { chunk: 2, until: gate } });
    const stream = await insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'tricky' }], stream: true });
    const received: string[] = [];
    for await (const c of stream) {
      received.push(c.choices[0]?.delta?.content ?? '');
      if (received.length === 2) {
        assert.equal(releasedByGuard, false, 'the chunk mentioning [DONE] was held back until the upstream went on');
        clearTimeout(guard);
        release();
      }
    }
    assert.deepEqual(received, ['', TRICKY, ' More.']);
    const turn = await insitu.waitForTurns(1).then((t) => t[0]!);
    assert.equal(turn.assistant?.content, TRICKY + ' More.');
    assert.equal(turn.finish_reason, 'stop');
  });

  test('raw bytes: exactly what the upstream sent, with the real [DONE] split across chunks and CRLF', async () => {
    const crlf = [`data: ${role}\r\n\r\n`, `data: ${chunk(TRICKY)}\r\n\r\nda`, `ta: ${chunk('!', 'stop')}\r\n\r\ndata: [DO`, 'NE]\r\n\r\n'];
    for (const chunks of [events, crlf]) {
      sim.enqueue({ kind: 'raw', status: 200, headers, chunks, chunkDelayMs: 5 });
      const res = await fetch(`${insitu.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'raw' }], stream: true }) });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), chunks.join(''));
    }
  });
});
