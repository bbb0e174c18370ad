// The live preference stream's resume semantics over two partitions, on both runtimes: a new stream's ids
// carry every partition's position at connect time, so resuming with Last-Event-ID sends exactly what came
// after (no replay of older records in a partition the client had no event from, no gap), and a client that
// saw no event at all still resumes from where it connected (the id sent with ': subscribed').
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { partitionForKey } from '../src/bus/partitioner.js';
import { TOPICS } from '../src/topics.js';
import { startKafkaBroker, type KafkaBroker } from './support/kafka-broker.js';
import { startInsitu } from './support/insitu.js';
import { kafkaRuntimeEnv } from './support/runtimes.js';
import { readStream } from './support/sse.js';

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
