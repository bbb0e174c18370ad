// The proxy on the Kafka runtime (kafkajs against a Kafka-protocol broker) with Redis state: turns reach
// insitu.turns keyed by conversation, stitching lives in Redis, and a broker outage loses nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { TOPICS } from '../src/topics.js';
import { startKafkaBroker, type KafkaBroker } from './support/kafka-broker.js';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';
import { startInsitu, settle, type Insitu } from './support/insitu.js';
import { readTopic } from './support/read-topic.js';
import { tempDirs } from './support/temp-dirs.js';
import { startProxy } from '../proxy/server.js';

let broker: KafkaBroker;
let sim: SimUpstream;
let insitu: Insitu;
const tempDir = tempDirs('kafka-');

const kafkaEnv = (bootstrap: string) => ({
  INSITU_KAFKA_BROKERS: bootstrap,
  INSITU_KAFKA_REPLICATION: '1',
  INSITU_BUS_PARTITIONS: '1',
  INSITU_KAFKA_REQUEST_TIMEOUT_MS: '1500',
  INSITU_KAFKA_SESSION_TIMEOUT_MS: '6000',
  INSITU_KAFKA_HEARTBEAT_MS: '400',
  INSITU_KAFKA_MAX_WAIT_MS: '100',
  INSITU_REDIS_URL: 'redis://127.0.0.1:6379',
});

before(async () => {
  broker = await startKafkaBroker({ partitions: 1 });
  sim = await startSimUpstream();
  insitu = await startInsitu({ ...kafkaEnv(broker.bootstrap), INSITU_UPSTREAM_URL: sim.url });
});
after(async () => {
  await insitu?.close();
  await sim?.close();
  await broker?.stop();
});

describe('Kafka runtime with Redis state', () => {
  test('a 3-turn chat through the SDK lands on insitu.turns, one conversation, stitched through Redis', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [];
    for (const q of ['hello', 'no, shorter please', 'thanks, perfect']) {
      messages.push({ role: 'user', content: q });
      const r = await insitu.client.chat.completions.create({ model: 'm', messages });
      messages.push(r.choices[0]!.message);
    }
    const turns = await insitu.waitForTurns(3, 30_000);
    assert.equal(new Set(turns.map((t) => t.conversation_id)).size, 1);
    assert.deepEqual(turns.map((t) => t.turn_index), [0, 1, 2]);
    const ready = (await (await fetch(`${insitu.proxy.url}/readyz`)).json()) as { bus: { kind: string; ok: boolean }; state: { kind: string; ok: boolean } };
    assert.deepEqual([ready.bus.kind, ready.bus.ok, ready.state.kind, ready.state.ok], ['kafka', true, 'redis', true]);
  });

  test('broker down mid-run: clients are served, turns spool, and after restart every turn arrives exactly once', async () => {
    const chat = (i: number) => insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `request ${i}` }] }, { headers: { 'x-insitu-conversation-id': `outage-${i % 3}` } });
    const beforeOutage = insitu.turns.length;
    const firstIds: string[] = [];
    for (let i = 0; i < 5; i++) firstIds.push((await chat(i).withResponse()).response.headers.get('x-insitu-turn-id')!);
    await insitu.waitForTurns(beforeOutage + 5, 30_000);
    assert.equal(await insitu.proxy.outbox.drain(10_000), true);

    await broker.kill();
    const outageIds: string[] = [];
    for (let i = 5; i < 15; i++) {
      const { data, response } = await chat(i).withResponse();
      assert.equal(data.choices[0]!.message.content, `echo: request ${i}`); // the client never notices
      outageIds.push(response.headers.get('x-insitu-turn-id')!);
    }
    await settle(2500);
    const during = insitu.proxy.outbox.stats();
    assert.equal(during.busHealthy, false);
    assert.equal(during.pending, 10);
    const ready = await fetch(`${insitu.proxy.url}/readyz`);
    assert.equal(ready.status, 200, 'the spool absorbs the outage: still in service');
    assert.equal(((await ready.json()) as { status: string }).status, 'degraded');

    // A replica whose spool passed INSITU_SPOOL_READY_BYTES leaves the load balancer, yet still answers and records.
    const spillDir = tempDir('spill');
    const config = { ...insitu.runtime.config, dataDir: spillDir, shutdownTimeoutMs: 200, publish: { ...insitu.runtime.config.publish, spoolReadyBytes: 1 } };
    const full = await startProxy({ ...insitu.runtime, config });
    try {
      const spilled = new OpenAI({ baseURL: `${full.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const answer = await spilled.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'over budget' }] });
      assert.equal(answer.choices[0]!.message.content, 'echo: over budget');
      const notReady = await fetch(`${full.url}/readyz`);
      assert.equal(notReady.status, 503);
      const body = (await notReady.json()) as { status: string; reason: string; spool: { pending_bytes: number } };
      assert.equal(body.status, 'not_ready');
      assert.match(body.reason, /INSITU_SPOOL_READY_BYTES/);
      assert.ok(body.spool.pending_bytes > 0);
    } finally {
      await full.close();
    }

    await broker.restart(); // a new, empty cluster on the same port
    assert.equal(await insitu.proxy.outbox.drain(30_000), true, 'spool drained after the broker returned');
    const records = await readTopic(broker.bootstrap, TOPICS.turns, 10);
    const ids = records.map((r) => JSON.parse(r.value).turn_id as string);
    assert.equal(ids.length, 10, 'no duplicates');
    assert.deepEqual([...ids].sort(), [...outageIds].sort());
    // Order within each conversation is kept.
    for (const key of ['outage-0', 'outage-1', 'outage-2']) {
      const published = records.filter((r) => r.key === key).map((r) => JSON.parse(r.value).turn_id);
      assert.deepEqual(published, outageIds.filter((id) => published.includes(id)));
    }
    const seenBefore = insitu.turns.slice(beforeOutage, beforeOutage + 5).map((t) => t.turn_id);
    assert.deepEqual(seenBefore, firstIds);
  });
});
