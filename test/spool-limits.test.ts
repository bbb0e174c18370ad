// The publish spool under pressure: past INSITU_SPOOL_MAX_BYTES (the bus away too long) new chat requests get a
// fast 503 spool_full instead of filling the disk, and serving resumes once the bus drains it; a spool that
// cannot be written (/dev/full, like a full disk) never crashes the proxy: clients get their answers, the turns
// still reach the bus from memory, and the failure is logged (without secrets) and counted in /metrics.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startProxy } from '../proxy/server.js';
import { loadConfig } from '../src/config.js';
import type { TurnEvent } from '../src/events/turn.js';
import { createLogger } from '../src/log.js';
import { openRuntime } from '../src/runtime.js';
import { TOPICS } from '../src/topics.js';
import { startKafkaBroker, type KafkaBroker } from './support/kafka-broker.js';
import { startInsitu, settle } from './support/insitu.js';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';
import { tempDirs } from './support/temp-dirs.js';
import { collectTopic } from './support/topic-collector.js';

const UPSTREAM_KEY = 'sk-upstream-secret-5150';
const tempDir = tempDirs('spool-');
let sim: SimUpstream;
before(async () => {
  sim = await startSimUpstream();
});
after(async () => {
  await sim.close();
});

describe('spool bound and spool write failures', () => {
  test('INSITU_SPOOL_MAX_BYTES: with the broker down and the spool over the bound, a new chat gets 503 spool_full; after the broker returns it is served', async () => {
    const broker: KafkaBroker = await startKafkaBroker({ partitions: 1 });
    const insitu = await startInsitu({
      INSITU_UPSTREAM_URL: sim.url, INSITU_SPOOL_MAX_BYTES: '1',
      INSITU_KAFKA_BROKERS: broker.bootstrap, INSITU_KAFKA_REPLICATION: '1', INSITU_BUS_PARTITIONS: '1', INSITU_KAFKA_REQUEST_TIMEOUT_MS: '1500',
      INSITU_KAFKA_MAX_WAIT_MS: '100', INSITU_SHUTDOWN_TIMEOUT_MS: '500',
    });
    try {
      const chat = (content: string) => insitu.client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content }] });
      assert.equal((await chat('before')).choices[0]!.message.content, 'echo: before');
      await insitu.waitForTurns(1, 30_000);
      assert.equal(await insitu.proxy.outbox.drain(10_000), true);

      await broker.kill();
      // Admitted with an empty spool: answered, and its turn waits in the spool.
      assert.equal((await chat('during')).choices[0]!.message.content, 'echo: during');
      assert.ok(insitu.proxy.outbox.stats().pendingBytes > 1);
      const forwarded = sim.requests.length;
      const refused = await chat('refused').then(() => null, (e: unknown) => e);
      assert.ok(refused instanceof OpenAI.APIError && refused.status === 503, String(refused));
      assert.equal(refused.type, 'server_error');
      assert.equal(refused.code, 'spool_full');
      assert.match(refused.message, /spool full/);
      assert.equal(refused.headers?.get('retry-after'), '5');
      assert.equal(sim.requests.length, forwarded, 'a refused request is not forwarded');

      await broker.restart();
      assert.equal(await insitu.proxy.outbox.drain(30_000), true, 'the spool drains once the broker is back');
      assert.equal((await chat('after')).choices[0]!.message.content, 'echo: after');
      // The restarted mock broker starts empty (the old one held 'before'): read it with a fresh group, not
      // the reader whose committed offsets belong to the old broker.
      const reader = await collectTopic(broker.bootstrap, [TOPICS.turns]);
      const contents = () => reader.values<TurnEvent>().map((t) => t.request.messages[0]!.content).sort();
      try {
        await reader.waitUntil(() => contents().includes('after') && contents().includes('during'), () => `the restarted broker holds ${JSON.stringify(contents())}`, 30_000);
      } finally {
        await reader.close();
      }
      assert.deepEqual([...new Set(contents())], ['after', 'during'], 'delivery is at-least-once; every turn accepted during the outage is there');
    } finally {
      await insitu.close();
      await broker.stop();
    }
  });

  test('a spool on a full device: JSON and streamed chats are answered, their turns reach the bus, the failure is logged without secrets and counted', async () => {
    const dataDir = tempDir('full');
    mkdirSync(`${dataDir}/spool`, { recursive: true });
    symlinkSync('/dev/full', `${dataDir}/spool/outbox.log`);
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (line) => void lines.push(line) });
    const config = loadConfig({ INSITU_DATA_DIR: dataDir, INSITU_PORT: '0', INSITU_HOST: '127.0.0.1', INSITU_UPSTREAM_URL: sim.url, INSITU_UPSTREAM_API_KEY: UPSTREAM_KEY, INSITU_BUS_PARTITIONS: '1', INSITU_PUBLISH_LINGER_MS: '1' });
    const runtime = await openRuntime(config, logger);
    const proxy = await startProxy(runtime);
    const turns: TurnEvent[] = [];
    const reader = await runtime.bus.subscribe({
      group: `spool-full-${randomBytes(4).toString('hex')}`, topics: [TOPICS.turns], fromBeginning: true, ephemeral: true,
      handler: async (records) => void turns.push(...records.map((r) => JSON.parse(r.value) as TurnEvent)),
    });
    try {
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      const json = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'disk full json' }] });
      assert.equal(json.choices[0]!.message.content, 'echo: disk full json');
      const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'disk full stream' }], stream: true });
      let streamed = '';
      for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
      assert.equal(streamed, 'echo: disk full stream');
      for (let i = 0; i < 100 && turns.length < 2; i++) await settle(100);
      assert.deepEqual(turns.map((t) => t.assistant?.content).sort(), ['echo: disk full json', 'echo: disk full stream']);

      const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
      assert.match(metrics, /^insitu_spool_write_failures_total 2$/m);
      assert.match(metrics, /^insitu_spool_dropped_events_total 0$/m);
      const failure = lines.filter((l) => l.includes('spool write failed'));
      assert.equal(failure.length, 1);
      assert.match(failure[0]!, /ENOSPC/);
      assert.equal(lines.some((l) => l.includes(UPSTREAM_KEY) || l.includes('client-key')), false, 'a secret reached the log');
      assert.equal((await fetch(`${proxy.url}/healthz`)).status, 200, 'the proxy is still up');
    } finally {
      await reader.close();
      await proxy.close();
      await runtime.close();
    }
  });
});
