// One contract, two buses: the embedded bus and Kafka (kafkajs against a Kafka-protocol broker) must behave
// alike for everything Insitu relies on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createEmbeddedBus } from '../src/bus/embedded.js';
import { createKafkaBus } from '../src/bus/kafka.js';
import type { Bus, DeliveredRecord } from '../src/bus/types.js';
import { silentLogger } from '../src/log.js';
import { startKafkaBroker, type KafkaBroker } from './support/kafka-broker.js';

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Collects delivered records and resolves once `count` have arrived. */
function collector() {
  const records: DeliveredRecord[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  return {
    records,
    handler: async (batch: DeliveredRecord[]) => {
      records.push(...batch);
      waiters = waiters.filter((w) => (records.length >= w.count ? (w.resolve(), false) : true));
    },
    waitFor(count: number, timeoutMs = 20_000): Promise<void> {
      if (records.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`got ${records.length} of ${count} records`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
  };
}

/** INSITU_CONSUMER_CONCURRENCY of both contract buses. */
const CONCURRENCY = 2;

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A new group without fromBeginning gets exactly the record published right after subscribe resolved. */
async function newGroupSeesOnlyNewRecords(bus: Bus, settleMs: number): Promise<void> {
  const topic = unique('t');
  await bus.ensureTopics([{ name: topic, partitions: 1 }]);
  await bus.publish([{ topic, key: 'k', value: 'old' }]);
  const got = collector();
  const sub = await bus.subscribe({ group: unique('g'), topics: [topic], handler: got.handler });
  await bus.publish([{ topic, key: 'k', value: 'new' }]);
  await got.waitFor(1);
  await settle(settleMs);
  await sub.close();
  assert.deepEqual(got.records.map((r) => r.value), ['new']);
}

function busContract(name: string, open: () => Promise<Bus>) {
  describe(`bus contract: ${name}`, () => {
    let bus: Bus;
    before(async () => {
      bus = await open();
    });
    after(async () => {
      await bus.close();
    });

    test('delivers keyed records with headers, in order per key, to a group from the beginning', async () => {
      const topic = unique('t');
      await bus.ensureTopics([{ name: topic, partitions: 3 }]);
      const keys = ['conv-a', 'conv-b', 'conv-c', 'conv-d'];
      const sent = Array.from({ length: 40 }, (_, i) => ({ topic, key: keys[i % 4]!, value: JSON.stringify({ i }), headers: { 'x-n': String(i) } }));
      await bus.publish(sent.slice(0, 20));
      await bus.publish(sent.slice(20));
      const got = collector();
      const sub = await bus.subscribe({ group: unique('g'), topics: [topic], fromBeginning: true, handler: got.handler });
      await got.waitFor(40);
      await sub.close();
      assert.equal(got.records.length, 40);
      for (const key of keys) {
        const mine = got.records.filter((r) => r.key === key);
        assert.deepEqual(mine.map((r) => JSON.parse(r.value).i), sent.filter((s) => s.key === key).map((s) => JSON.parse(s.value).i));
        assert.equal(new Set(mine.map((r) => r.partition)).size, 1, 'one key, one partition');
        for (const r of mine) assert.equal(r.headers['x-n'], String(JSON.parse(r.value).i));
      }
    });

    test('a group resumes from its committed offset; another group sees everything', async () => {
      const topic = unique('t');
      await bus.ensureTopics([{ name: topic, partitions: 1 }]);
      const group = unique('g');
      await bus.publish([1, 2, 3].map((i) => ({ topic, key: 'k', value: String(i) })));
      const first = collector();
      let sub = await bus.subscribe({ group, topics: [topic], fromBeginning: true, handler: first.handler });
      await first.waitFor(3);
      await settle(200); // let the commit land
      await sub.close();
      await bus.publish([4, 5].map((i) => ({ topic, key: 'k', value: String(i) })));
      const second = collector();
      sub = await bus.subscribe({ group, topics: [topic], fromBeginning: true, handler: second.handler });
      await second.waitFor(2);
      await settle(300);
      await sub.close();
      assert.deepEqual(second.records.map((r) => r.value), ['4', '5']);
      const other = collector();
      const otherSub = await bus.subscribe({ group: unique('g'), topics: [topic], fromBeginning: true, handler: other.handler });
      await other.waitFor(5);
      await otherSub.close();
      assert.deepEqual(other.records.map((r) => r.value), ['1', '2', '3', '4', '5']);
    });

    test('a failing handler gets the same batch again; nothing is skipped', async () => {
      const topic = unique('t');
      await bus.ensureTopics([{ name: topic, partitions: 1 }]);
      await bus.publish([{ topic, key: 'k', value: 'only' }]);
      let calls = 0;
      const got = collector();
      const sub = await bus.subscribe({
        group: unique('g'),
        topics: [topic],
        fromBeginning: true,
        onError: () => undefined,
        handler: async (records) => {
          calls++;
          if (calls === 1) throw new Error('transient');
          await got.handler(records);
        },
      });
      await got.waitFor(1);
      await sub.close();
      assert.equal(calls, 2);
      assert.deepEqual(got.records.map((r) => r.value), ['only']);
    });

    test('a new group without fromBeginning sees only records published after it joined', () => newGroupSeesOnlyNewRecords(bus, 200));

    test(`a member handles at most ${CONCURRENCY} partitions at once (INSITU_CONSUMER_CONCURRENCY), each in order`, async () => {
      const topic = unique('t');
      await bus.ensureTopics([{ name: topic, partitions: 4 }]);
      const keys = Array.from({ length: 8 }, (_, i) => `conv-${i}`);
      const sent = Array.from({ length: 80 }, (_, i) => ({ topic, key: keys[i % keys.length]!, value: JSON.stringify({ i }) }));
      await bus.publish(sent);
      const got = collector();
      let inflight = 0;
      let most = 0;
      // The first handler calls wait until CONCURRENCY run side by side: proof the bus does run them together
      // (a bus handling one partition at a time never gets there, and the records stop coming).
      let together!: () => void;
      const reached = new Promise<void>((resolve) => (together = resolve));
      const sub = await bus.subscribe({
        group: unique('g'), topics: [topic], fromBeginning: true,
        handler: async (batch) => {
          most = Math.max(most, ++inflight);
          if (inflight >= CONCURRENCY) together();
          await reached;
          await settle(5); // stay in flight a moment, so a bus over the limit would show it
          inflight--;
          await got.handler(batch);
        },
      });
      try {
        await got.waitFor(sent.length, 30_000);
      } finally {
        await sub.close();
      }
      assert.equal(most, CONCURRENCY, 'handler calls in flight at once');
      for (const key of keys) {
        assert.deepEqual(got.records.filter((r) => r.key === key).map((r) => JSON.parse(r.value).i), sent.filter((s) => s.key === key).map((s) => JSON.parse(s.value).i), key);
      }
    });

    test('endOffsets: records there now are below their partition\'s end, later ones at or above it', async () => {
      const topic = unique('t');
      await bus.ensureTopics([{ name: topic, partitions: 2 }]);
      await bus.publish(Array.from({ length: 6 }, (_, i) => ({ topic, key: `k${i}`, value: `old-${i}` })));
      const ends = await bus.endOffsets(topic);
      assert.deepEqual([...ends.keys()].sort(), [0, 1]);
      await bus.publish(Array.from({ length: 6 }, (_, i) => ({ topic, key: `k${i}`, value: `new-${i}` })));
      const got = collector();
      const sub = await bus.subscribe({ group: unique('g'), topics: [topic], fromBeginning: true, handler: got.handler });
      await got.waitFor(12);
      await sub.close();
      for (const r of got.records) {
        const end = BigInt(ends.get(r.partition)!);
        assert.equal(BigInt(r.offset) < end, r.value.startsWith('old-'), `${r.value} at ${r.partition}/${r.offset}, end ${end}`);
      }
    });

    test('a new group with fromLast starts at the last N records of each partition, then follows new ones', async () => {
      const topic = unique('t');
      await bus.ensureTopics([{ name: topic, partitions: 1 }]);
      await bus.publish([1, 2, 3, 4, 5].map((i) => ({ topic, key: 'k', value: `old-${i}` })));
      const got = collector();
      const sub = await bus.subscribe({ group: unique('g'), topics: [topic], fromLast: 2, fromBeginning: true, ephemeral: true, handler: got.handler });
      await bus.publish([{ topic, key: 'k', value: 'new' }]);
      await got.waitFor(3);
      await settle(200);
      await sub.close();
      assert.deepEqual(got.records.map((r) => r.value), ['old-4', 'old-5', 'new']);

      // More asked for than retained: everything there is.
      const all = collector();
      const allSub = await bus.subscribe({ group: unique('g'), topics: [topic], fromLast: 100, handler: all.handler });
      await all.waitFor(6);
      await settle(200);
      await allSub.close();
      assert.deepEqual(all.records.map((r) => r.value), ['old-1', 'old-2', 'old-3', 'old-4', 'old-5', 'new']);
    });

    test('fromLast applies only where the group has no committed offset: a group resumes where it was', async () => {
      const topic = unique('t');
      await bus.ensureTopics([{ name: topic, partitions: 1 }]);
      const group = unique('g');
      await bus.publish([1, 2].map((i) => ({ topic, key: 'k', value: String(i) })));
      const first = collector();
      let sub = await bus.subscribe({ group, topics: [topic], fromBeginning: true, handler: first.handler });
      await first.waitFor(2);
      await settle(200); // let the commit land
      await sub.close();
      await bus.publish([3, 4, 5].map((i) => ({ topic, key: 'k', value: String(i) })));
      const second = collector();
      sub = await bus.subscribe({ group, topics: [topic], fromLast: 1, handler: second.handler });
      await second.waitFor(3);
      await settle(200);
      await sub.close();
      assert.deepEqual(second.records.map((r) => r.value), ['3', '4', '5']);
    });

    test('ping succeeds while the bus is up', async () => {
      await bus.ping();
    });
  });
}

const dirs: string[] = [];
busContract('embedded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'insitu-bus-'));
  dirs.push(dir);
  return createEmbeddedBus({ dataDir: dir, defaultPartitions: 2, logger: silentLogger, pollMs: 50, concurrency: CONCURRENCY });
});

let broker: KafkaBroker;
busContract('kafka', async () => {
  broker = await startKafkaBroker({ partitions: 1 });
  return createKafkaBus({
    brokers: [broker.bootstrap],
    clientId: 'contract',
    ssl: false,
    idempotent: true,
    replicationFactor: 1,
    requestTimeoutMs: 3000,
    consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 400, maxWaitTimeMs: 100, partitionsConsumedConcurrently: CONCURRENCY },
    logger: silentLogger,
  });
});

after(async () => {
  await broker?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('kafka bus on a slow broker', () => {
  // Every broker answer takes 150 ms: a consumer's post-join round trips (offset fetch, then list offsets)
  // end well after a publish sent right when subscribe resolved. The group must start from the offsets of
  // when it subscribed, not from whatever is latest when kafkajs first fetches.
  let slow: KafkaBroker | undefined;
  after(async () => {
    await slow?.stop();
  });
  test('a new group without fromBeginning sees a record published the moment subscribe resolved', async () => {
    slow = await startKafkaBroker({ partitions: 1, rttMs: 150 });
    const bus = createKafkaBus({
      brokers: [slow.bootstrap], clientId: 'contract-slow', ssl: false, idempotent: true, replicationFactor: 1, requestTimeoutMs: 5000,
      consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 400, maxWaitTimeMs: 100, partitionsConsumedConcurrently: 1 },
      logger: silentLogger,
    });
    try {
      await newGroupSeesOnlyNewRecords(bus, 500);
    } finally {
      await bus.close();
    }
  });
});

describe('embedded bus durability', () => {
  test('a restarted bus resumes a group where it committed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'insitu-bus-'));
    dirs.push(dir);
    const open = () => createEmbeddedBus({ dataDir: dir, defaultPartitions: 2, logger: silentLogger, pollMs: 50 });
    let bus = open();
    await bus.publish(['a', 'b', 'c'].map((v) => ({ topic: 'insitu.turns', key: v, value: v })));
    const first = collector();
    let sub = await bus.subscribe({ group: 'detector', topics: ['insitu.turns'], fromBeginning: true, handler: first.handler });
    await first.waitFor(3);
    await sub.close();
    await bus.close();
    bus = open();
    await bus.publish([{ topic: 'insitu.turns', key: 'd', value: 'd' }]);
    const second = collector();
    sub = await bus.subscribe({ group: 'detector', topics: ['insitu.turns'], fromBeginning: true, handler: second.handler });
    await second.waitFor(1);
    await settle(150);
    await sub.close();
    await bus.close();
    assert.deepEqual(second.records.map((r) => r.value), ['d']);
  });

  test('topic names that would escape the data directory are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'insitu-bus-'));
    dirs.push(dir);
    const bus = createEmbeddedBus({ dataDir: dir, defaultPartitions: 1, logger: silentLogger });
    await assert.rejects(bus.publish([{ topic: '../etc', key: 'k', value: 'v' }]), /invalid topic name/);
    await bus.close();
  });
});
