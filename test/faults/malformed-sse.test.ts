// Fault: the upstream's SSE is malformed or unusual (lines split across chunks, CRLF, comments, no [DONE],
// garbage lines, a JSON error object mid-stream). The proxy (a real `insitu proxy` process) must hand the
// client exactly the upstream's bytes (raw fetch), the openai SDK must get the answer or a clean error (never a
// hang), and the proxy must stay up: the next request works and /healthz answers 200.
// (test/proxy.test.ts already checks CRLF + comments pass through unbuffered in-process; here every variant
// goes through a separate process, with the SDK as well as raw bytes.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { spawnInsitu, type InsituProcess } from '../support/insitu-process.js';
import { startSimUpstream, type SimUpstream } from '../support/sim-upstream.js';

let sim: SimUpstream;
let proxy: InsituProcess;
let client: OpenAI;
const dataDir = mkdtempSync(join(tmpdir(), 'insitu-fault-sse-'));

before(async () => {
  sim = await startSimUpstream();
  proxy = await spawnInsitu(['proxy'], { INSITU_UPSTREAM_URL: sim.url, INSITU_DATA_DIR: dataDir, INSITU_PORT: '0', INSITU_HOST: '127.0.0.1', INSITU_UPSTREAM_IDLE_TIMEOUT_MS: '3000' });
  client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 15_000 });
});
after(async () => {
  await proxy?.signal('SIGTERM');
  await sim?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const chunk = (content: string, finish: string | null = null) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] });
const role = JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });

interface Case {
  name: string;
  chunks: string[];
  /** What the SDK must reassemble, or 'error' when it must throw a clean error. */
  sdk: string | 'error';
}

const first = chunk('Hello');
const cases: Case[] = [
  { name: 'a data line split across three chunks', chunks: [`data: ${role}\n\n`, `data: ${first.slice(0, 20)}`, first.slice(20, 50), `${first.slice(50)}\n\n`, `data: ${chunk(' world', 'stop')}\n\ndata: [DONE]\n\n`], sdk: 'Hello world' },
  { name: 'CRLF line endings', chunks: [`data: ${role}\r\n\r\n`, `data: ${first}\r\n\r\n`, `data: ${chunk(' world', 'stop')}\r\n\r\n`, 'data: [DONE]\r\n\r\n'], sdk: 'Hello world' },
  { name: 'comment lines and an event field', chunks: [': ping\n\n', `data: ${role}\n\n`, ': keep-alive\n', `data: ${first}\n\n`, `event: message\ndata: ${chunk(' world', 'stop')}\n\n`, 'data: [DONE]\n\n'], sdk: 'Hello world' },
  { name: 'no [DONE] at the end', chunks: [`data: ${role}\n\n`, `data: ${first}\n\n`, `data: ${chunk(' world', 'stop')}\n\n`], sdk: 'Hello world' },
  { name: 'garbage lines between events', chunks: [`data: ${role}\n\n`, 'this is not sse\n\n', `data: ${first}\n\n`, 'data: {not json\n\n', `data: ${chunk(' world', 'stop')}\n\n`, 'data: [DONE]\n\n'], sdk: 'error' },
  { name: 'a JSON error object mid-stream', chunks: [`data: ${role}\n\n`, `data: ${first}\n\n`, 'data: {"error":{"message":"The server is overloaded.","type":"server_error","param":null,"code":null}}\n\n'], sdk: 'error' },
  { name: 'binary junk and an unterminated last line', chunks: [`data: ${role}\n\n`, `data: ${first}\n\n`, '\u0000\u0001\uFFFD\n', 'data: {"choices":'], sdk: 'error' },
];

async function healthy(): Promise<void> {
  const health = await fetch(`${proxy.url}/healthz`);
  assert.equal(health.status, 200);
  const next = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'still there?' }] });
  assert.equal(next.choices[0]?.message.content, 'echo: still there?');
  assert.equal(proxy.child.exitCode, null, 'the proxy process is alive');
  assert.doesNotMatch(proxy.output(), /"level":"error"/, 'no handler failure logged');
}

describe('malformed SSE from the upstream', () => {
  for (const c of cases) {
    test(`${c.name}: raw bytes pass through exactly; the SDK gets the answer or a clean error; the proxy stays up`, async () => {
      const raw = { kind: 'raw' as const, status: 200, headers: { 'content-type': 'text/event-stream' }, chunks: c.chunks, chunkDelayMs: 30 };
      sim.enqueue(raw, raw);
      const res = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('x-insitu-turn-id') ?? '', /^turn_/);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.equal(bytes.toString('utf8'), c.chunks.join(''), 'exactly the upstream bytes');

      let text = '';
      let error: unknown;
      try {
        const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
        for await (const ev of stream) text += ev.choices[0]?.delta?.content ?? '';
      } catch (e) {
        error = e;
      }
      if (c.sdk === 'error') {
        assert.ok(error instanceof Error, `the SDK raised a clean error (got text ${JSON.stringify(text)})`);
      } else {
        assert.equal(error, undefined, String(error));
        assert.equal(text, c.sdk);
      }
      await healthy();
    });
  }
});
