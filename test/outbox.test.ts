// The outbox never loses an event: it spools through outages, bounds memory by reading back from the spool,
// re-publishes a backlog after a restart, in order, and sets aside records the bus refuses.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBus } from '../src/bus/embedded.js';
import { openOutbox } from '../src/bus/outbox.js';
import type { Bus, DeliveredRecord, OutgoingRecord } from '../src/bus/types.js';
import { BusError, DataDirLockedError, RecordRejectedError } from '../src/errors.js';
import { createLogger, silentLogger } from '../src/log.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'insitu-outbox-'));
  dirs.push(d);
  return d;
};

/** A real embedded bus behind a switch that simulates a broker outage or a broker refusing some records. */
function switchableBus(inner: Bus) {
  const control = { down: false, refuse: (_r: OutgoingRecord) => false, attempts: 0 };
  const bus: Bus = {
    ...inner,
    kind: inner.kind,
    async publish(records) {
      control.attempts++;
      if (control.down) throw new BusError('broker unreachable', { retriable: true });
      if (records.some(control.refuse)) throw new RecordRejectedError('MESSAGE_TOO_LARGE');
      await inner.publish(records);
    },
  };
  return { bus, control };
}

async function readAll(bus: Bus, topic: string, expected: number): Promise<DeliveredRecord[]> {
  const got: DeliveredRecord[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${expected}`)), 10_000);
    void bus
      .subscribe({ group: `check-${Math.random()}`, topics: [topic], fromBeginning: true, ephemeral: true, handler: async (r) => {
        got.push(...r);
        if (got.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      } })
      .then((s) => setTimeout(() => void s.close(), 12_000).unref());
  });
  return got;
}

const record = (i: number, key = `conv-${i % 3}`): OutgoingRecord => ({ topic: 'insitu.turns', key, value: JSON.stringify({ i }) });

describe('outbox', () => {
  test('publishes appended events in order', async () => {
    const dir = tempDir();
    const inner = createEmbeddedBus({ dataDir: dir, defaultPartitions: 1, logger: silentLogger, pollMs: 20 });
    const outbox = openOutbox({ dir: join(dir, 'spool'), bus: inner, queueLimit: 100, batchSize: 10, lingerMs: 1, logger: silentLogger });
    for (let i = 0; i < 25; i++) outbox.append(record(i));
    assert.equal(await outbox.drain(5000), true);
    assert.equal(outbox.stats().published, 25);
    const got = await readAll(inner, 'insitu.turns', 25);
    assert.deepEqual(got.map((r) => JSON.parse(r.value).i), Array.from({ length: 25 }, (_, i) => i));
    await outbox.close();
    await inner.close();
  });

  test('through an outage with a tiny memory queue: spools, then publishes everything once, in order', async () => {
    const dir = tempDir();
    const inner = createEmbeddedBus({ dataDir: dir, defaultPartitions: 1, logger: silentLogger, pollMs: 20 });
    const { bus, control } = switchableBus(inner);
    control.down = true;
    const outbox = openOutbox({ dir: join(dir, 'spool'), bus, queueLimit: 5, batchSize: 4, lingerMs: 0, logger: silentLogger });
    for (let i = 0; i < 50; i++) outbox.append(record(i, 'one-conversation'));
    await new Promise((r) => setTimeout(r, 300));
    const during = outbox.stats();
    assert.equal(during.busHealthy, false);
    assert.equal(during.pending, 50);
    assert.ok(during.queued <= 5, `memory queue bounded, had ${during.queued}`);
    assert.equal(during.fromDisk, true);
    control.down = false;
    assert.equal(await outbox.drain(15_000), true);
    const got = await readAll(inner, 'insitu.turns', 50);
    assert.deepEqual(got.map((r) => JSON.parse(r.value).i), Array.from({ length: 50 }, (_, i) => i));
    assert.equal(outbox.stats().fromDisk, false);
    await outbox.close();
    await inner.close();
  });

  test('a restart re-publishes what the previous process left in the spool', async () => {
    const dir = tempDir();
    const inner = createEmbeddedBus({ dataDir: dir, defaultPartitions: 1, logger: silentLogger, pollMs: 20 });
    const { bus, control } = switchableBus(inner);
    control.down = true;
    let outbox = openOutbox({ dir: join(dir, 'spool'), bus, queueLimit: 100, batchSize: 10, lingerMs: 0, logger: silentLogger });
    for (let i = 0; i < 12; i++) outbox.append(record(i));
    assert.equal(await outbox.drain(200), false);
    await outbox.close(); // as after SIGTERM with the broker still down
    control.down = false;
    outbox = openOutbox({ dir: join(dir, 'spool'), bus, queueLimit: 100, batchSize: 10, lingerMs: 0, logger: silentLogger });
    assert.equal(outbox.stats().pending, 12);
    outbox.append(record(12));
    assert.equal(await outbox.drain(5000), true);
    const got = await readAll(inner, 'insitu.turns', 13);
    assert.deepEqual(got.map((r) => JSON.parse(r.value).i), Array.from({ length: 13 }, (_, i) => i));
    await outbox.close();
    await inner.close();
  });

  test('a record the bus refuses is set aside in rejected.jsonl; the others still go out', async () => {
    const dir = tempDir();
    const inner = createEmbeddedBus({ dataDir: dir, defaultPartitions: 1, logger: silentLogger, pollMs: 20 });
    const { bus, control } = switchableBus(inner);
    control.refuse = (r) => r.value.includes('"i":3');
    const outbox = openOutbox({ dir: join(dir, 'spool'), bus, queueLimit: 100, batchSize: 10, lingerMs: 5, logger: silentLogger });
    for (let i = 0; i < 6; i++) outbox.append(record(i));
    assert.equal(await outbox.drain(5000), true);
    assert.equal(outbox.stats().rejected, 1);
    const got = await readAll(inner, 'insitu.turns', 5);
    assert.deepEqual(got.map((r) => JSON.parse(r.value).i), [0, 1, 2, 4, 5]);
    const rejected = readFileSync(join(dir, 'spool', 'rejected.jsonl'), 'utf8').trim().split('\n');
    assert.equal(rejected.length, 1);
    assert.equal(JSON.parse(JSON.parse(rejected[0]!).value).i, 3);
    await outbox.close();
    await inner.close();
  });

  test('a spool that cannot be written (/dev/full) never throws: events go out from memory while it has room, then are dropped, each counted', async () => {
    const dir = tempDir();
    const inner = createEmbeddedBus({ dataDir: dir, defaultPartitions: 1, logger: silentLogger, pollMs: 20 });
    const { bus, control } = switchableBus(inner);
    control.down = true;
    const spool = join(dir, 'spool');
    mkdirSync(spool, { recursive: true });
    symlinkSync('/dev/full', join(spool, 'outbox.log')); // every write fails with ENOSPC, as on a full disk
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', write: (line) => void lines.push(line) });
    const outbox = openOutbox({ dir: spool, bus, queueLimit: 2, batchSize: 10, lingerMs: 0, logger });
    assert.deepEqual([0, 1, 2].map((i) => outbox.append(record(i, 'one-conversation'))), ['memory_only', 'memory_only', 'dropped']);
    const during = outbox.stats();
    assert.deepEqual([during.writeFailures, during.dropped, during.pending, during.queued, during.pendingBytes], [3, 1, 2, 2, 0]);
    assert.equal(await outbox.drain(100), false, 'events kept in memory are not drained while the bus is down');
    assert.equal(lines.filter((l) => l.includes('spool write failed')).length, 1, 'logged once per failing spell, not per event');
    assert.match(lines[0]!, /ENOSPC/);
    control.down = false;
    assert.equal(await outbox.drain(5000), true);
    const got = await readAll(inner, 'insitu.turns', 2);
    assert.deepEqual(got.map((r) => JSON.parse(r.value).i), [0, 1]);
    await outbox.close();
    await inner.close();
  });

  test('two live processes cannot share one spool', async () => {
    const dir = tempDir();
    const inner = createEmbeddedBus({ dataDir: dir, defaultPartitions: 1, logger: silentLogger });
    const spool = join(dir, 'spool');
    const { writeFileSync } = await import('node:fs');
    mkdirSync(spool, { recursive: true });
    writeFileSync(join(spool, 'outbox.lock'), String(process.ppid)); // a live process that is not us
    assert.throws(() => openOutbox({ dir: spool, bus: inner, queueLimit: 10, batchSize: 10, lingerMs: 0, logger: silentLogger }), DataDirLockedError);
    writeFileSync(join(spool, 'outbox.lock'), '999999999'); // stale: that process is gone
    const outbox = openOutbox({ dir: spool, bus: inner, queueLimit: 10, batchSize: 10, lingerMs: 0, logger: silentLogger });
    await outbox.close();
    assert.equal(existsSync(join(spool, 'outbox.lock')), false);
    await inner.close();
  });
});
