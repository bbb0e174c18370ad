// One contract, two state stores: Redis (ioredis against 127.0.0.1:6379) and memory.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError } from '../src/errors.js';
import { createMemoryState } from '../src/state/memory.js';
import { createRedisState } from '../src/state/redis.js';
import type { StateStore } from '../src/state/types.js';
import { silentLogger } from '../src/log.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stateContract(name: string, store: StateStore) {
  const k = (s: string) => `insitu-test:${randomBytes(4).toString('hex')}:${s}`;
  describe(`state contract: ${name}`, () => {
    after(() => store.close());
    test('get/set/del', async () => {
      const key = k('a');
      assert.equal(await store.get(key), null);
      assert.equal(await store.set(key, 'v1'), true);
      assert.equal(await store.get(key), 'v1');
      await store.del(key);
      assert.equal(await store.get(key), null);
    });
    test('onlyIfAbsent sets once', async () => {
      const key = k('nx');
      assert.equal(await store.set(key, 'first', { onlyIfAbsent: true, ttlMs: 10_000 }), true);
      assert.equal(await store.set(key, 'second', { onlyIfAbsent: true, ttlMs: 10_000 }), false);
      assert.equal(await store.get(key), 'first');
    });
    test('values expire after their TTL', async () => {
      const key = k('ttl');
      await store.set(key, 'v', { ttlMs: 80 });
      assert.equal(await store.get(key), 'v');
      await sleep(200);
      assert.equal(await store.get(key), null);
    });
    test('incr counts atomically under concurrency and honours TTL', async () => {
      const key = k('n');
      const values = await Promise.all(Array.from({ length: 20 }, () => store.incr(key, { ttlMs: 10_000 })));
      assert.deepEqual([...values].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
      const short = k('short');
      await store.incr(short, { ttlMs: 80 });
      await sleep(200);
      assert.equal(await store.incr(short, { ttlMs: 80 }), 1);
    });
    test('setIfEquals writes only over the expected value, with its TTL', async () => {
      const key = k('cas');
      assert.equal(await store.setIfEquals(key, 'a', 'b'), false, 'a missing key never matches');
      assert.equal(await store.get(key), null);
      await store.set(key, 'a');
      assert.equal(await store.setIfEquals(key, 'x', 'b'), false);
      assert.equal(await store.get(key), 'a');
      assert.equal(await store.setIfEquals(key, 'a', 'b', { ttlMs: 80 }), true);
      assert.equal(await store.get(key), 'b');
      await sleep(200);
      assert.equal(await store.get(key), null, 'the new TTL applies');
    });
    test('setIfEquals: exactly one of many concurrent writers wins', async () => {
      const key = k('race');
      await store.set(key, 'v0');
      const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => store.setIfEquals(key, 'v0', `w${i}`, { ttlMs: 10_000 })));
      assert.equal(wins.filter(Boolean).length, 1);
      assert.equal(await store.get(key), `w${wins.indexOf(true)}`);
    });
    test('deleteIfEquals deletes only the expected value', async () => {
      const key = k('cad');
      assert.equal(await store.deleteIfEquals(key, 'a'), false);
      await store.set(key, 'a', { ttlMs: 10_000 });
      assert.equal(await store.deleteIfEquals(key, 'b'), false);
      assert.equal(await store.get(key), 'a');
      assert.equal(await store.deleteIfEquals(key, 'a'), true);
      assert.equal(await store.get(key), null);
    });
    test('an expired value matches nothing', async () => {
      const key = k('exp');
      await store.set(key, 'a', { ttlMs: 50 });
      await sleep(150);
      assert.equal(await store.setIfEquals(key, 'a', 'b'), false);
      assert.equal(await store.deleteIfEquals(key, 'a'), false);
    });
    test('ping', async () => {
      await store.ping();
    });
  });
}

stateContract('memory', createMemoryState({ maxKeys: 1000 }));
stateContract('memory (journalled)', createMemoryState({ maxKeys: 1000, dir: mkdtempSync(join(tmpdir(), 'insitu-state-')) }));
stateContract('redis', createRedisState({ url: REDIS_URL, commandTimeoutMs: 1000, logger: silentLogger }));

describe('memory state bounds', () => {
  test('evicts the least recently written keys beyond maxKeys', async () => {
    const store = createMemoryState({ maxKeys: 100 });
    for (let i = 0; i < 150; i++) await store.set(`k${i}`, String(i));
    assert.equal(await store.get('k0'), null);
    assert.equal(await store.get('k49'), null);
    assert.equal(await store.get('k50'), '50');
    assert.equal(await store.get('k149'), '149');
    await store.close();
  });
});

describe('redis state when Redis is unreachable', () => {
  test('fails fast with a StateError instead of hanging', async () => {
    const store = createRedisState({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 300, logger: silentLogger });
    await assert.rejects(store.get('x'), (e: Error) => e.name === 'StateError');
    await store.close();
  });
});

describe('journalled memory state (the embedded runtime\'s state survives a restart)', () => {
  test('a reopened store has every write, delete, compare-and-set and TTL of the last one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'insitu-journal-'));
    const first = createMemoryState({ maxKeys: 1000, dir, unjournalled: ['secret:'] });
    await first.set('kept', 'v1');
    await first.set('kept', 'v2');
    await first.set('gone', 'x');
    await first.del('gone');
    await first.incr('count');
    await first.incr('count');
    await first.set('lease', 'owner-a', { ttlMs: 60_000 });
    assert.equal(await first.setIfEquals('lease', 'owner-a', 'owner-b', { ttlMs: 60_000 }), true);
    await first.set('short', 'v', { ttlMs: 50 });
    await first.set('cas-deleted', 'a');
    await first.set('secret:hash', 'never on disk');
    assert.equal(await first.deleteIfEquals('cas-deleted', 'a'), true);
    await first.close();
    await sleep(100);
    // A torn last line (a crash mid-write) is ignored.
    appendFileSync(join(dir, 'memory.jsonl'), '{"k":"torn","v":');
    const second = createMemoryState({ maxKeys: 1000, dir });
    assert.equal(await second.get('kept'), 'v2');
    assert.equal(await second.get('gone'), null);
    assert.equal(await second.get('count'), '2');
    assert.equal(await second.get('lease'), 'owner-b');
    assert.equal(await second.get('short'), null, 'expired while closed');
    assert.equal(await second.get('cas-deleted'), null);
    assert.equal(await second.get('torn'), null);
    assert.equal(await second.get('secret:hash'), null, 'an unjournalled key is not kept');
    assert.ok(!readFileSync(join(dir, 'memory.jsonl'), 'utf8').includes('never on disk'));
    await second.close();
  });

  test('the journal is compacted to the live keys; two handles in one process share one store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'insitu-journal-'));
    const a = createMemoryState({ maxKeys: 1000, dir });
    const b = createMemoryState({ maxKeys: 1000, dir });
    for (let i = 0; i < 3000; i++) await a.set(`k${i % 10}`, String(i));
    assert.equal(await b.get('k9'), '2999', 'the same store');
    await a.close();
    assert.equal(await b.get('k0'), '2990', 'closing one handle leaves the other open');
    await b.close();
    const lines = readFileSync(join(dir, 'memory.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    assert.ok(lines < 1100, `compacted: ${lines} lines for 10 keys`);
    const again = createMemoryState({ maxKeys: 1000, dir });
    assert.equal(await again.get('k5'), '2995');
    await again.close();
  });

  test('a second live process is refused with DataDirLockedError; a dead one\'s lock is taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'insitu-journal-'));
    // A lock left by a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, 'memory.lock'), dead);
    const store = createMemoryState({ maxKeys: 10, dir });
    await store.set('a', '1');
    // Another live process holds it: pretend with our parent's pid (alive, not us).
    await store.close();
    writeFileSync(join(dir, 'memory.lock'), String(process.ppid));
    assert.throws(() => createMemoryState({ maxKeys: 10, dir }), (e: unknown) => e instanceof DataDirLockedError && /in use by process \d+/.test((e as Error).message));
  });
});

describe('durable prefixes of the journalled memory state', () => {
  test('only keys under the durable prefixes survive a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'insitu-journal-'));
    const first = createMemoryState({ maxKeys: 1000, dir, durable: ['insitu:trainer'] });
    await first.set('insitu:trainer:job:1', 'running');
    await first.set('insitu:stitch:abc', 'hot-path snapshot');
    await first.close();
    const second = createMemoryState({ maxKeys: 1000, dir });
    assert.equal(await second.get('insitu:trainer:job:1'), 'running');
    assert.equal(await second.get('insitu:stitch:abc'), null);
    assert.ok(!readFileSync(join(dir, 'memory.jsonl'), 'utf8').includes('hot-path snapshot'));
    await second.close();
  });

  test('the journal is compacted by its own keys, not by how many hot-path keys the store holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'insitu-journal-'));
    const store = createMemoryState({ maxKeys: 100_000, dir, durable: ['insitu:trainer'] });
    for (let i = 0; i < 5000; i++) await store.set(`insitu:stitch:${i}`, 'cache');
    for (let i = 0; i < 3000; i++) await store.set('insitu:trainer:lease', String(i));
    await store.close();
    const lines = readFileSync(join(dir, 'memory.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    assert.ok(lines < 1100, `compacted: ${lines} lines for 1 durable key beside 5,000 cached ones`);
  });
});
