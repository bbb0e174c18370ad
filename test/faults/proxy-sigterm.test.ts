// Fault: SIGTERM reaches the proxy (a real `insitu proxy` process on Kafka) while clients are mid-request,
// several of them streaming from a slow upstream. Every request that was accepted completes with its whole
// body; requests made after the signal are refused at connect time; the process exits 0; and every completed
// turn is on the bus, exactly once, also after the proxy starts again on the same data dir (the spool's
// cursor must not re-publish what was acknowledged).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { TOPICS } from '../../src/topics.js';
import { spawnInsitu, type InsituProcess } from '../support/insitu-process.js';
import { startKafkaBroker, type KafkaBroker } from '../support/kafka-broker.js';
import { kafkaRuntimeEnv } from '../support/runtimes.js';
import { settle } from '../support/insitu.js';
import { startSimUpstream, type SimUpstream } from '../support/sim-upstream.js';
import { collectTopic, duplicatesOf } from '../support/topic-collector.js';

let sim: SimUpstream;
let broker: KafkaBroker;
let proxy: InsituProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'insitu-fault-sigterm-'));

before(async () => {
  sim = await startSimUpstream();
  // Slow answers: ~1 s per streamed answer, 600 ms per JSON answer, so the signal lands mid-request.
  sim.respondWith((req) => (req?.stream ? { kind: 'completion', chunkDelayMs: 120 } : { kind: 'completion', delayMs: 600 }));
  broker = await startKafkaBroker({ partitions: 1 });
});
after(async () => {
  await proxy?.signal('SIGKILL');
  await broker?.stop();
  await sim?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({
  ...kafkaRuntimeEnv(broker, { redis: false }),
  INSITU_UPSTREAM_URL: sim.url, INSITU_DATA_DIR: dataDir, INSITU_PORT: '0', INSITU_HOST: '127.0.0.1', INSITU_PUBLISH_LINGER_MS: '1',
});

interface Outcome { kind: 'sdk-stream' | 'sdk-json' | 'fetch-stream'; turnId: string | null; text: string; expected: string; error?: string }

async function sdkStream(client: OpenAI, prompt: string): Promise<Outcome> {
  const { data, response } = await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: prompt }] }).withResponse();
  let text = '';
  for await (const chunk of data) text += chunk.choices[0]?.delta?.content ?? '';
  return { kind: 'sdk-stream', turnId: response.headers.get('x-insitu-turn-id'), text, expected: `echo: ${prompt}` };
}

async function sdkJson(client: OpenAI, prompt: string): Promise<Outcome> {
  const { data, response } = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: prompt }] }).withResponse();
  return { kind: 'sdk-json', turnId: response.headers.get('x-insitu-turn-id'), text: data.choices[0]?.message.content ?? '', expected: `echo: ${prompt}` };
}

/** Raw fetch of a stream: the whole SSE body must end with the [DONE] event. */
async function fetchStream(url: string, prompt: string): Promise<Outcome> {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: prompt }] }) });
  const body = await res.text();
  const text = body.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)).choices[0]?.delta?.content ?? '').join('');
  return { kind: 'fetch-stream', turnId: res.headers.get('x-insitu-turn-id'), text: body.trimEnd().endsWith('data: [DONE]') ? text : `${text} (no [DONE])`, expected: `echo: ${prompt}` };
}

test('SIGTERM under load: accepted requests finish whole, later ones are refused (or served whole), every completed turn is on the bus once', async () => {
  proxy = await spawnInsitu(['proxy'], env());
  const url = proxy.url!;
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 });
  const kinds = [sdkStream, sdkJson, (_c: OpenAI, p: string) => fetchStream(url, p)];
  const accepted: Promise<Outcome>[] = [];
  for (let i = 0; i < 24; i++) accepted.push(kinds[i % 3]!(client, `in flight ${i} words to stream back slowly`));
  await sim.waitForRequests(24, 10_000); // all accepted and upstream, none finished yet (the upstream is slow)

  const exit = proxy.signal('SIGTERM');
  await proxy.waitForOutput(/"msg":"stopping"/);
  await settle(100); // the listener is closed right after the signal is handled
  // After the signal: refused at connect time (the listener is closed), or, if it slipped in first, served whole.
  const late = await Promise.allSettled([sdkJson(new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 }), 'too late')]);
  let refused = 0;
  for (const r of late) {
    if (r.status === 'fulfilled') accepted.push(Promise.resolve(r.value));
    else {
      refused++;
      assert.match(String((r.reason as Error)?.message ?? r.reason) + String((r.reason as { cause?: Error })?.cause?.message), /connect|ECONNREFUSED|fetch failed|Connection error/i);
    }
  }

  const outcomes = await Promise.all(accepted);
  assert.ok(outcomes.length >= 24, `${outcomes.length} completed, ${refused} refused`);
  for (const o of outcomes) {
    assert.equal(o.text, o.expected, `${o.kind}: whole body`);
    assert.match(o.turnId ?? '', /^turn_/);
  }
  const { code } = await exit;
  assert.equal(code, 0, proxy.output().slice(-2000));
  assert.match(proxy.output(), /proxy stopped/);
  proxy = undefined;

  const expected = outcomes.map((o) => o.turnId!);
  const reader = await collectTopic(broker.bootstrap, [TOPICS.turns]);
  try {
    const ids = () => reader.values<{ turn_id: string }>().map((t) => t.turn_id);
    // Drained at shutdown (the spool is only a fallback): every completed turn is already on the bus.
    await reader.waitUntil(() => expected.every((id) => ids().includes(id)), () => `bus has ${reader.records.length} of ${expected.length} turns after the drain`, 15_000);
    // Start again on the same data dir: nothing acknowledged is published a second time.
    proxy = await spawnInsitu(['proxy'], env());
    const again = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'after restart' }] }) });
    assert.equal(again.status, 200);
    const marker = again.headers.get('x-insitu-turn-id')!;
    await reader.waitUntil(() => ids().includes(marker), () => 'the turn after the restart', 15_000);
    assert.deepEqual(duplicatesOf(ids()), [], 'no turn published twice');
    assert.deepEqual(expected.filter((id) => !ids().includes(id)), []);
    assert.equal(ids().length, expected.length + 1);
  } finally {
    await reader.close();
  }
  const second = await proxy.signal('SIGTERM');
  assert.equal(second.code, 0);
  proxy = undefined;
});
