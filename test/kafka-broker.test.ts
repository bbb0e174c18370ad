// The mock broker must behave like Kafka for kafkajs, including going down and coming back on the same port.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startKafkaBroker, type KafkaBroker } from './support/kafka-broker.js';

let broker: KafkaBroker;
before(async () => {
  broker = await startKafkaBroker({ partitions: 2 });
});
after(() => broker.stop());

const kafkaFor = (bootstrap: string, requestTimeout = 5000) =>
  new Kafka({ clientId: 'kafka-broker-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, requestTimeout, connectionTimeout: 1000, retry: { retries: 2, initialRetryTime: 100 } });

/** Produces `messages` to a fresh topic and reads them back with a single-member group. */
async function roundTrip(bootstrap: string, messages: { key: string; value: string }[]) {
  const kafka = kafkaFor(bootstrap);
  const topic = `t-${randomBytes(4).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `g-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100, sessionTimeout: 4000, heartbeatInterval: 400 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: { key: string; value: string; partition: number }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${seen.length}/${messages.length} within 15 s`)), 15_000);
    consumer
      .run({
        eachMessage: async ({ message, partition }) => {
          seen.push({ key: message.key!.toString(), value: message.value!.toString(), partition });
          if (seen.length >= messages.length) clearTimeout(timer), resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

test('produce and consume keyed messages; down after kill(); works again after restart() on the same port', async () => {
  assert.equal(broker.bootstrap, `127.0.0.1:${broker.port}`);
  const messages = ['a', 'b', 'c', 'a', 'b'].map((key, i) => ({ key, value: `v${i}` }));
  const seen = await roundTrip(broker.bootstrap, messages);
  assert.deepEqual(seen.map((m) => m.value).sort(), messages.map((m) => m.value));
  // Same key, same partition (and per-key order kept).
  for (const key of ['a', 'b']) {
    const forKey = seen.filter((m) => m.key === key);
    assert.equal(new Set(forKey.map((m) => m.partition)).size, 1);
    assert.deepEqual(forKey.map((m) => m.value), messages.filter((m) => m.key === key).map((m) => m.value));
  }

  // Broker down: a send fails quickly instead of hanging.
  const kafka = new Kafka({ clientId: 'down', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, requestTimeout: 1000, connectionTimeout: 500, retry: { retries: 0 } });
  const producer: Producer = kafka.producer({ retry: { retries: 0 } });
  await producer.connect();
  await broker.kill();
  const t0 = Date.now();
  await assert.rejects(producer.send({ topic: 'down-topic', messages: [{ key: 'k', value: 'v' }] }));
  assert.ok(Date.now() - t0 < 5000, `send failed after ${Date.now() - t0} ms`);
  await producer.disconnect().catch(() => {});

  await broker.restart();
  assert.equal(broker.bootstrap, `127.0.0.1:${broker.port}`);
  const again = await roundTrip(broker.bootstrap, [{ key: 'x', value: 'after-restart' }]);
  assert.deepEqual(again.map((m) => m.value), ['after-restart']);
});

test('freeze() stalls requests until thaw()', async () => {
  const kafka = kafkaFor(broker.bootstrap, 1000);
  const admin = kafka.admin();
  await admin.connect();
  broker.freeze();
  try {
    await assert.rejects(admin.listTopics());
  } finally {
    broker.thaw();
  }
  const admin2 = kafkaFor(broker.bootstrap).admin();
  await admin2.connect();
  assert.ok(Array.isArray(await admin2.listTopics()));
  await Promise.all([admin.disconnect().catch(() => {}), admin2.disconnect()]);
});
