// The live preference stream's resume semantics over two partitions, on both runtimes: a new stream's ids
// carry every partition's position at connect time, so resuming with Last-Event-ID sends exactly what came
// after (no replay of older records in a partition the client had no event from, no gap), and a client that
// saw no event at all still resumes from where it connected (the id sent with ': subscribed'). A client that
// stops reading is waited for (back-pressure), then cut off with a resumable error, never buffered without bound.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { partitionForKey } from '../src/bus/partitioner.js';
import { TOPICS } from '../src/topics.js';
import { startKafkaBroker, type KafkaBroker } from './support/kafka-broker.js';
import { startInsitu } from './support/insitu.js';
import { kafkaRuntimeEnv } from './support/runtimes.js';
import { readStream } from './support/sse.js';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBus } from '../src/bus/embedded.js';
import { silentLogger } from '../src/log.js';
import { createPreferenceStreamHandler } from '../proxy/preference-stream.js';

const PARTITIONS = 2;

async function resumeAcrossPartitions(env: Record<string, string>) {
  const tenant = `stream-${randomBytes(4).toString('hex')}`;
  const insitu = await startInsitu({ ...env, INSITU_BUS_PARTITIONS: String(PARTITIONS), INSITU_DEFAULT_TENANT: tenant });
  try {
    const url = `${insitu.proxy.url}/v1/insitu/streams/preferences?tenant=${tenant}`;
    // A conversation key on the wanted partition (the bus partitions by key, as Kafka does).
    const keyOn = (partition: number) => {
      for (let i = 0; ; i++) if (partitionForKey(`${tenant}-c${i}`, PARTITIONS) === partition) return `${tenant}-c${i}`;
    };
    const publish = (...pairs: [string, number][]) =>
      insitu.runtime.bus.publish(pairs.map(([id, partition]) => ({
        topic: TOPICS.preferences, key: keyOn(partition),
        value: JSON.stringify({ schema: 'insitu.preference', pair_id: id, tenant, accepted: true, feedback: [] }),
      })));
    const ids = (events: { data: { pair_id: string } }[]) => events.map((e) => e.data.pair_id).sort();

    await publish(['old-0', 0], ['old-1', 1]);
    const live = await readStream(url, 1);
    await live.subscribed;
    await publish(['new-1', 1]);
    await live.finished;
    assert.deepEqual(ids(live.events), ['new-1']);
    // The id names partition 0 too, though no event came from it.
    assert.match(live.events[0]!.id, /(^|\.)0-\d+(\.|$)/);

    // While the client is away, both partitions get a pair; resuming sends exactly those two.
    await publish(['away-0', 0], ['away-1', 1]);
    const resumed = await readStream(url, 2, { 'last-event-id': live.events[0]!.id });
    await resumed.finished;
    assert.deepEqual(ids(resumed.events), ['away-0', 'away-1']);

    // A client that got no event resumes from where it connected: the id that came with ': subscribed'.
    const quiet = await readStream(url, 1);
    await quiet.subscribed;
    const connectedAt = quiet.lastId();
    assert.ok(connectedAt, 'the subscribed comment carries an id');
    await publish(['later-0', 0]);
    await quiet.finished;
    const fromConnect = await readStream(url, 1, { 'last-event-id': connectedAt! });
    await fromConnect.finished;
    assert.deepEqual(ids(fromConnect.events), ['later-0']);
  } finally {
    await insitu.close();
  }
}

describe('preference stream: resume over two partitions', () => {
  let broker: KafkaBroker | undefined;
  after(async () => broker?.stop());
  test('embedded runtime', () => resumeAcrossPartitions({}));
  test('Kafka runtime', async () => {
    broker = await startKafkaBroker({ partitions: PARTITIONS });
    await resumeAcrossPartitions({ ...kafkaRuntimeEnv(broker, { redis: false }) });
  });
});

describe('preference stream: a client that stops reading', () => {
  test('is waited for, then cut off with a resumable error when it stalls; resuming loses nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'insitu-slow-'));
    const bus = createEmbeddedBus({ dataDir: dir, defaultPartitions: 1, logger: silentLogger, pollMs: 20 });
    let markCut!: () => void;
    const cut = new Promise<void>((resolve) => (markCut = resolve));
    const logger = { ...silentLogger, warn: (msg: string) => (msg.includes('stalled') ? markCut() : undefined), child: () => logger };
    const handler = createPreferenceStreamHandler({ bus, logger, stallMs: 1500 });
    const server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/insitu/streams/preferences?from=beginning`;
    try {
      const total = 120;
      const filler = 'x'.repeat(64 * 1024);
      await bus.ensureTopics([{ name: TOPICS.preferences, partitions: 1 }]);
      await bus.publish(Array.from({ length: total }, (_, i) => ({
        topic: TOPICS.preferences, key: 'c',
        value: JSON.stringify({ schema: 'insitu.preference', pair_id: `p${i}`, tenant: 't', accepted: true, feedback: [], filler }),
      })));
      // Connect, read nothing until the server gives up on us, then read what it had sent.
      const body = await new Promise<string>((resolve, reject) => {
        get(url, (res) => {
          res.pause();
          void cut.then(() => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve(text));
            res.resume();
          });
        }).on('error', reject);
      });
      assert.match(body, /event: error\ndata: .*"code":"slow_consumer"/);
      const first = [...body.matchAll(/^id: (.*)\nevent: preference\ndata: (.*)$/gm)].map((m) => ({ id: m[1]!, pair: JSON.parse(m[2]!).pair_id as string }));
      assert.ok(first.length > 0 && first.length < total, `cut mid-stream (${first.length} of ${total} sent)`);
      const rest = await readStream(url, total - first.length, { 'last-event-id': first.at(-1)!.id });
      await rest.finished;
      const all = [...first.map((e) => e.pair), ...rest.events.map((e) => e.data.pair_id)];
      assert.deepEqual(all, Array.from({ length: total }, (_, i) => `p${i}`), 'every pair once, in order');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
