// Fault: the state store (a private redis-server process) stops while the proxy (a real `insitu proxy`
// process) serves, then comes back. test/proxy.test.ts covers a Redis that was never reachable (a dead port
// from the start); this one stops a running Redis under a running proxy and restarts it: chats keep being
// answered, /readyz says state is down and stitching degraded, and once Redis is back /readyz is ready again
// and derived stitching works again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { spawnInsitu, type InsituProcess } from '../support/insitu-process.js';
import { settle } from '../support/insitu.js';
import { startRedisProcess, type RedisProcess } from '../support/redis-process.js';
import { startSimUpstream, type SimUpstream } from '../support/sim-upstream.js';

let sim: SimUpstream;
let redis: RedisProcess;
let proxy: InsituProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'insitu-fault-redis-'));

before(async () => {
  sim = await startSimUpstream();
  redis = await startRedisProcess();
});
after(async () => {
  await proxy?.signal('SIGKILL');
  await redis?.stop();
  await sim?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Two chained turns; returns both conversation ids (equal when derived stitching worked). */
async function twoTurns(client: OpenAI, topic: string): Promise<[string, string]> {
  const first = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: topic }] }).withResponse();
  const second = await client.chat.completions
    .create({ model: 'm', messages: [{ role: 'user', content: topic }, first.data.choices[0]!.message, { role: 'user', content: 'and then?' }] })
    .withResponse();
  assert.equal(second.data.choices[0]?.message.content, 'echo: and then?');
  return [first.response.headers.get('x-insitu-conversation-id')!, second.response.headers.get('x-insitu-conversation-id')!];
}

async function readyz(url: string): Promise<{ status: number; body: { status: string; state: { ok: boolean; stitching?: string }; bus: { ok: boolean } } }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as never };
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await settle(200);
  }
}

test('Redis stops under a running proxy: chats still answered, /readyz degraded (still 200); Redis back: ready and stitching again', async () => {
  proxy = await spawnInsitu(['proxy'], {
    INSITU_UPSTREAM_URL: sim.url, INSITU_REDIS_URL: redis.url, INSITU_STATE_TIMEOUT_MS: '200',
    INSITU_DATA_DIR: dataDir, INSITU_PORT: '0', INSITU_HOST: '127.0.0.1', INSITU_DEFAULT_TENANT: `fault-${process.pid}`,
  });
  const url = proxy.url!;
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 });
  const [a1, a2] = await twoTurns(client, 'before the outage');
  assert.equal(a2, a1, 'derived stitching with Redis up');
  assert.equal((await readyz(url)).status, 200);

  await redis.stop();
  const [b1, b2] = await twoTurns(client, 'during the outage');
  assert.notEqual(b2, b1, 'without state the continuation cannot be derived: a new conversation');
  const pinned = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-insitu-conversation-id': 'pinned-1' } }).withResponse();
  assert.equal(pinned.response.headers.get('x-insitu-conversation-id'), 'pinned-1', 'header stitching still works');
  const down = await until(() => readyz(url), (r) => r.body.status === 'degraded', '/readyz degraded');
  assert.equal(down.status, 200, 'still in service: it answers and records');
  assert.equal(down.body.state.ok, false);
  assert.equal(down.body.bus.ok, true);
  assert.match(down.body.state.stitching ?? '', /degraded/);

  await redis.start();
  await until(() => readyz(url), (r) => r.body.status === 'ready', '/readyz ready after Redis is back');
  const [c1, c2] = await twoTurns(client, 'after the outage');
  assert.equal(c2, c1, 'derived stitching works again');
  assert.equal(proxy.child.exitCode, null);
  const exit = await proxy.signal('SIGTERM');
  assert.equal(exit.code, 0, proxy.output().slice(-2000));
  proxy = undefined;
});
