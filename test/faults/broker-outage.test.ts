// Fault: the Kafka broker dies for 10 s while the proxy (a real `insitu proxy` process) serves a steady
// stream of chats. Clients keep getting answers; every turn they were told about reaches the bus exactly once.
//
// The broker is librdkafka's mock cluster, which keeps its log in memory: a killed broker comes back EMPTY
// (same port, no topics, no data). So the evidence is split over two brokers: a reader on the old broker
// records what it held, a reader on the new one records what the proxy (re-)published after the outage, and
// the union must hold every answered turn exactly once. Because the old log vanishes with the process, the load
// pauses for the moment the old reader needs to catch up before the kill; otherwise a turn the old broker had
// acknowledged but we had not read yet would be unobservable (and a batch in flight at the kill could land on
// both brokers). Load runs throughout the outage and after it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '../../src/topics.js';
import { startChatLoad } from '../support/chat-load.js';
import { spawnInsitu, type InsituProcess } from '../support/insitu-process.js';
import { startKafkaBroker, type KafkaBroker } from '../support/kafka-broker.js';
import { kafkaRuntimeEnv } from '../support/runtimes.js';
import { settle } from '../support/insitu.js';
import { startSimUpstream, type SimUpstream } from '../support/sim-upstream.js';
import { collectTopic, duplicatesOf } from '../support/topic-collector.js';

let sim: SimUpstream;
let broker: KafkaBroker;
let proxy: InsituProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'insitu-fault-broker-'));

before(async () => {
  sim = await startSimUpstream();
  broker = await startKafkaBroker({ partitions: 1 });
});
after(async () => {
  await proxy?.signal('SIGKILL');
  await broker?.stop();
  await sim?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const turnIdsOf = (values: { turn_id: string }[]) => values.map((v) => v.turn_id);

test('broker killed for 10 s under ~20 chats/s: every answered turn is on the bus exactly once (old ∪ new broker)', async () => {
  proxy = await spawnInsitu(['proxy'], {
    ...kafkaRuntimeEnv(broker, { redis: false }),
    INSITU_UPSTREAM_URL: sim.url, INSITU_DATA_DIR: dataDir, INSITU_PORT: '0', INSITU_HOST: '127.0.0.1',
    INSITU_PUBLISH_LINGER_MS: '1', INSITU_KAFKA_REQUEST_TIMEOUT_MS: '2000',
  });
  const oldReader = await collectTopic(broker.bootstrap, [TOPICS.turns]);
  const load = startChatLoad(`${proxy.url}/v1`, { intervalMs: 50, label: 'outage' });

  await settle(2000);
  await load.pause();
  const beforeKill = [...load.turnIds];
  assert.ok(beforeKill.length >= 10, `only ${beforeKill.length} chats before the kill`);
  await oldReader.waitUntil(
    () => beforeKill.every((id) => turnIdsOf(oldReader.values()).includes(id)),
    () => `old broker has ${oldReader.records.length} of ${beforeKill.length} turns`,
  );
  await oldReader.close();
  const onOld = turnIdsOf(oldReader.values());

  await broker.kill();
  load.resume();
  await settle(10_000);
  const duringOutage = load.turnIds.length - beforeKill.length;
  // The proxy still answers while the bus is down: publishing is off the request path.
  assert.ok(duringOutage >= 50, `only ${duringOutage} chats answered during the outage`);
  const ready = await fetch(`${proxy.url}/readyz`);
  // the spool absorbs the outage: still ready (kept in a load balancer), but degraded, and it says why
  assert.equal(ready.status, 200, 'readyz keeps the proxy in service while the spool absorbs the outage');
  const readyBody = (await ready.json()) as { status: string; bus: { ok: boolean } };
  assert.deepEqual([readyBody.status, readyBody.bus.ok], ['degraded', false]);

  await broker.restart();
  await settle(2000);
  await load.stop();
  assert.deepEqual(load.failures, [], 'every chat was answered');

  const expected = new Set(load.turnIds);
  const afterKill = load.turnIds.filter((id) => !onOld.includes(id));
  const newReader = await collectTopic(broker.bootstrap, [TOPICS.turns]);
  try {
    await newReader.waitUntil(
      () => { const seen = new Set(turnIdsOf(newReader.values())); return afterKill.every((id) => seen.has(id)); },
      () => `new broker has ${newReader.records.length} of ${afterKill.length} turns accepted during and after the outage`,
      40_000,
    );
    await settle(1000); // a duplicate would show up by now
    const onNew = turnIdsOf(newReader.values());
    assert.deepEqual(duplicatesOf(onOld), [], 'no turn twice on the old broker');
    assert.deepEqual(duplicatesOf(onNew), [], 'no turn twice on the new broker');
    assert.deepEqual(onOld.filter((id) => onNew.includes(id)), [], 'no turn on both brokers');
    const union = new Set([...onOld, ...onNew]);
    assert.deepEqual([...expected].filter((id) => !union.has(id)), [], 'no answered turn missing');
    assert.equal(union.size, expected.size, 'nothing on the bus that no client was told about');
  } finally {
    await newReader.close();
  }
  const exit = await proxy.signal('SIGTERM');
  assert.equal(exit.code, 0, proxy.output().slice(-2000));
  proxy = undefined;
});
