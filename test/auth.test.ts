// Virtual keys (INSITU_AUTH=keys): key format and hashing, the key store on memory and Redis state, per-key
// rate limits, the proxy's 401/403/429 answers through the openai SDK, and the `insitu keys` CLI.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { Redis } from 'ioredis';
import { bearerToken, createKeyStore, createRateLimiter, decide, effectiveLimits, estimateTokens, generateKey, hashKey, isKeyFormat, windowAt, DEFAULT_KEY_NAMESPACE, WINDOW_MS, type KeyStore } from '../src/auth/index.js';
import { keysCommand } from '../src/cli/keys.js';
import { UsageError } from '../src/cli/args.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { createMemoryState } from '../src/state/memory.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../src/log.js';
import { createAuthGate } from '../proxy/auth.js';
import { createRedisState } from '../src/state/redis.js';
import type { StateStore } from '../src/state/types.js';
import { settle, startInsitu, type Insitu } from './support/insitu.js';
import { startSimUpstream, type SimUpstream } from './support/sim-upstream.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const UPSTREAM_KEY = `sk-upstream-${randomBytes(6).toString('hex')}`;
const run = randomBytes(4).toString('hex');

/** Fixed windows: start a rate-limit scenario well inside a window so it cannot straddle two. */
async function awayFromWindowEdge(): Promise<void> {
  const { resetMs } = windowAt(Date.now());
  if (resetMs < 5000) await settle(resetMs + 50);
}

describe('key format and hashing (pure)', () => {
  test('a key is isk_ + 32 random bytes base64url; its hash is the SHA-256 hex', () => {
    const a = generateKey();
    const b = generateKey();
    assert.match(a, /^isk_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(a.slice(4), 'base64url').length, 32);
    assert.notEqual(a, b);
    assert.ok(isKeyFormat(a));
    for (const bad of ['', 'isk_', `${a}x`, a.slice(0, -1), `sk-${a.slice(4)}`, `isk_${'!'.repeat(43)}`]) assert.ok(!isKeyFormat(bad), bad);
    assert.equal(hashKey(a), createHash('sha256').update(a).digest('hex'));
    assert.notEqual(hashKey(a), hashKey(b));
  });

  test('bearer tokens are read from the Authorization header only in Bearer form', () => {
    assert.equal(bearerToken('Bearer isk_abc'), 'isk_abc');
    assert.equal(bearerToken('bearer   isk_abc '), 'isk_abc');
    assert.equal(bearerToken(['Bearer one', 'Bearer two']), 'one');
    assert.equal(bearerToken('Basic dXNlcjpwYXNz'), null);
    assert.equal(bearerToken('Bearer'), null);
    assert.equal(bearerToken(undefined), null);
  });

  test('limits: the key’s own, else the defaults; decisions: tokens at the limit or requests above it refuse', () => {
    assert.deepEqual(effectiveLimits({ rpm: 5, tpm: null }, { rpm: 600, tpm: 1000 }), { rpm: 5, tpm: 1000 });
    const limits = { rpm: 3, tpm: 100 };
    assert.equal(decide({ limits, requests: 3, tokens: 99, resetMs: 1500 }).allowed, true);
    const requests = decide({ limits, requests: 4, tokens: 0, resetMs: 1500 });
    assert.ok(!requests.allowed && requests.exceeded === 'requests' && requests.retryAfterSeconds === 2);
    const tokens = decide({ limits, requests: 1, tokens: 100, resetMs: 59_001 });
    assert.ok(!tokens.allowed && tokens.exceeded === 'tokens' && tokens.retryAfterSeconds === 60);
    assert.equal(windowAt(WINDOW_MS * 7 + 250).index, 7);
    assert.equal(windowAt(WINDOW_MS * 7 + 250).resetMs, WINDOW_MS - 250);
  });
});

for (const kind of ['memory', 'redis'] as const) {
  describe(`key store and rate limiter on ${kind} state`, () => {
    let state: StateStore;
    let store: KeyStore;
    const namespace = `insitu-test:auth-${run}-${kind}:`;
    before(() => {
      state = kind === 'memory' ? createMemoryState({ maxKeys: 10_000 }) : createRedisState({ url: REDIS_URL, commandTimeoutMs: 2000, logger: silentLogger });
      store = createKeyStore(state, { namespace });
    });
    after(async () => {
      if (kind === 'redis') {
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${namespace}*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      }
      await state.close();
    });

    test('create, lookup by key, list, revoke; the key itself is never stored', async () => {
      const { key, record } = await store.create({ tenant: 'acme', name: 'ci', rpm: 7, tpm: null });
      const other = await store.create({ tenant: 'lab' });
      assert.equal(record.tenant, 'acme');
      assert.deepEqual(await store.lookup(key), record);
      assert.equal(await store.lookup(generateKey()), null, 'unknown key');
      assert.equal(await store.lookup('sk-not-ours'), null, 'malformed key');
      assert.equal(await state.get(`${namespace}hash:${hashKey(key)}`) !== null, true, 'stored under its hash');
      const listed = await store.list();
      assert.deepEqual(listed.map((r) => r.id), [record.id, other.record.id]);
      assert.ok(!JSON.stringify(listed).includes(key) && !JSON.stringify(listed).includes(hashKey(key)));
      const revoked = await store.revoke(record.id);
      assert.ok(revoked?.revoked_at);
      assert.equal((await store.lookup(key))?.revoked_at, revoked.revoked_at);
      assert.equal((await store.revoke(record.id))?.revoked_at, revoked.revoked_at, 'revoking twice keeps the first date');
      assert.equal(await store.revoke('key_nope'), null);
      await assert.rejects(store.create({ tenant: 'bad tenant!' }));
      if (kind === 'redis') {
        const redis = new Redis(REDIS_URL);
        const names = await redis.keys(`${namespace}*`);
        const values = await Promise.all(names.map((n) => redis.get(n)));
        await redis.quit();
        assert.ok(!JSON.stringify([names, values]).includes(key), 'the key is in no Redis key or value');
      }
    });

    test('concurrent creates all land in the index', async () => {
      const before = (await store.list()).length;
      await Promise.all(Array.from({ length: 8 }, (_, i) => store.create({ tenant: `t${i}` })));
      assert.equal((await store.list()).length, before + 8);
    });

    test('requests per minute and tokens per minute in a fixed window', async () => {
      let now = WINDOW_MS * 1000 + 10_000;
      const limiter = createRateLimiter({ state, timeoutMs: 2000, logger: silentLogger, namespace, now: () => now });
      const limits = { rpm: 2, tpm: 50 };
      assert.equal((await limiter.admit('k1', limits)).allowed, true);
      assert.equal((await limiter.admit('k1', limits)).allowed, true);
      const third = await limiter.admit('k1', limits);
      assert.ok(!third.allowed && third.exceeded === 'requests' && third.retryAfterSeconds === 50);
      assert.equal((await limiter.admit('k2', limits)).allowed, true, 'keys count separately');
      await Promise.all([limiter.addTokens('k2', 30), limiter.addTokens('k2', 20)]);
      const spent = await limiter.admit('k2', limits);
      assert.ok(!spent.allowed && spent.exceeded === 'tokens' && spent.tokens === 50, JSON.stringify(spent));
      now += WINDOW_MS; // the next window starts over
      assert.equal((await limiter.admit('k1', limits)).allowed, true);
      assert.equal((await limiter.admit('k2', limits)).allowed, true);
    });
  });
}

describe('the auth gate on its own HTTP server', () => {
  // Behind the gate, a handler that shows what the rest of the proxy would see.
  async function serve(gate: ReturnType<typeof createAuthGate>): Promise<{ server: Server; url: string }> {
    const server = createServer((req, res) =>
      gate.middleware(req, res, (error) => {
        res.writeHead(error ? 500 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ url: req.url, tenant: req.headers['x-insitu-tenant'] ?? null, authorization: req.headers.authorization ?? null }));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }
  const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

  test('a key sees only its own tenant on Insitu’s read routes; its Authorization header goes no further', async () => {
    const state = createMemoryState({ maxKeys: 1000 });
    const keys = createKeyStore(state);
    const gate = createAuthGate({ keys, limiter: createRateLimiter({ state, timeoutMs: 1000, logger: silentLogger }), defaults: { rpm: 100, tpm: 1000 }, timeoutMs: 1000, logger: silentLogger });
    const { key } = await keys.create({ tenant: 'acme' });
    const { server, url } = await serve(gate);
    try {
      const seen = await (await fetch(`${url}/v1/insitu/streams/preferences?tenant=other&label=x`, { headers: { authorization: `Bearer ${key}` } })).json();
      assert.deepEqual(seen, { url: '/v1/insitu/streams/preferences?tenant=acme&label=x', tenant: 'acme', authorization: null });
      const passthrough = await (await fetch(`${url}/v1/models?tenant=other`, { headers: { authorization: `Bearer ${key}` } })).json();
      assert.deepEqual(passthrough, { url: '/v1/models?tenant=other', tenant: 'acme', authorization: null }, 'upstream routes keep their query');
      const open = await (await fetch(`${url}/healthz`, { headers: { authorization: 'Bearer whatever' } })).json();
      assert.equal((open as { authorization: string }).authorization, 'Bearer whatever', 'non-/v1 routes are not touched');
    } finally {
      await close(server);
      await state.close();
    }
  });

  test('state down: key lookups fail closed (503), rate limits fail open (logged once)', async () => {
    const keysState = createMemoryState({ maxKeys: 1000 });
    const limitsState = createMemoryState({ maxKeys: 1000 });
    const keys = createKeyStore(keysState);
    const { key } = await keys.create({ tenant: 'acme', rpm: 1 });
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    const gate = createAuthGate({ keys, limiter: createRateLimiter({ state: limitsState, timeoutMs: 1000, logger }), defaults: { rpm: 1, tpm: 1000 }, timeoutMs: 1000, logger });
    const { server, url } = await serve(gate);
    try {
      await limitsState.close();
      const c = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
      for (let i = 0; i < 3; i++) await c.models.list(); // over its RPM of 1, let through while limits cannot be counted
      assert.equal(lines.filter((l) => l.includes('rate limits suspended')).length, 1);
      await keysState.close();
      const error = await c.models.list().then(() => null, (e: unknown) => e);
      assert.ok(error instanceof OpenAI.InternalServerError, String(error));
      assert.equal(error.status, 503);
      assert.equal(error.code, 'auth_unavailable');
      assert.equal(error.headers?.get('retry-after'), '1');
      assert.ok(!lines.join('\n').includes(key));
    } finally {
      await close(server);
    }
  });
});

describe('the proxy with INSITU_AUTH=keys', () => {
  let sim: SimUpstream;
  let insitu: Insitu;
  let keys: KeyStore;
  const tenant = `auth-${run}`;
  before(async () => {
    sim = await startSimUpstream();
    insitu = await startInsitu({ INSITU_UPSTREAM_URL: sim.url, INSITU_UPSTREAM_API_KEY: UPSTREAM_KEY, INSITU_AUTH: 'keys', INSITU_DEFAULT_TENANT: 'fallback' });
    keys = createKeyStore(insitu.runtime.state);
  });
  after(async () => {
    await insitu.close();
    await sim.close();
  });
  const client = (apiKey: string, headers: Record<string, string> = {}) => new OpenAI({ baseURL: insitu.baseURL, apiKey, maxRetries: 0, defaultHeaders: headers });
  const ask = (c: OpenAI, content = 'hello') => c.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content }] });

  test('missing, unknown and revoked keys get OpenAI’s 401; nothing is forwarded or recorded', async () => {
    const forwarded = sim.requests.length;
    const missing = await fetch(`${insitu.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-sim', messages: [{ role: 'user', content: 'x' }] }) });
    assert.equal(missing.status, 401);
    const body = (await missing.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'invalid_api_key');
    assert.equal(body.error.param, null);

    const unknown = generateKey();
    const { key: revokedKey, record } = await keys.create({ tenant });
    await keys.revoke(record.id);
    for (const [label, key] of [['unknown', unknown], ['revoked', revokedKey], ['not a virtual key', 'sk-some-real-openai-key']] as const) {
      const error = await ask(client(key)).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof OpenAI.AuthenticationError, `${label}: ${String(error)}`);
      assert.equal(error.status, 401);
      assert.equal(error.code, 'invalid_api_key');
      assert.equal(error.type, 'invalid_request_error');
      assert.ok(!error.message.includes(key), `${label}: the presented key is not echoed`);
    }
    // Passthrough routes and Insitu's own /v1 routes are guarded too; health and metrics are not.
    await assert.rejects(client(unknown).models.list(), OpenAI.AuthenticationError);
    assert.equal((await fetch(`${insitu.baseURL}/insitu/feedback`, { method: 'POST', body: '{}' })).status, 401);
    assert.equal((await fetch(`${insitu.baseURL}/insitu/streams/preferences`)).status, 401);
    assert.equal((await fetch(`${insitu.baseURL}/insitu/dashboard/jobs`)).status, 401);
    assert.equal((await fetch(`${insitu.proxy.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${insitu.proxy.url}/metrics`)).status, 200);
    // Other spellings of the same paths neither skip the key check nor reach a route or the upstream.
    for (const path of ['/V1/models', '/V1/insitu/streams/preferences', '/v1//models', '//v1/models', '/v1/%6dodels', '/V1/chat/completions']) {
      const res = await fetch(`${insitu.proxy.url}${path}`, { method: path.endsWith('completions') ? 'POST' : 'GET', body: path.endsWith('completions') ? '{}' : null });
      assert.ok(res.status === 401 || res.status === 404, `${path}: ${res.status}`);
      assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'invalid_request_error', path);
    }
    const feedbackUpper = await fetch(`${insitu.proxy.url}/V1/insitu/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ turn_id: 'turn_x', rating: -1 }) });
    assert.ok(feedbackUpper.status === 401 || feedbackUpper.status === 404, `POST /V1/insitu/feedback: ${feedbackUpper.status}`);
    assert.equal(sim.requests.length, forwarded, 'nothing reached the upstream');

    // A good request afterwards is the only turn recorded.
    const { key } = await keys.create({ tenant });
    const ok = await ask(client(key), 'the only recorded one');
    const turns = await insitu.waitForTurns(1);
    await settle(200);
    assert.equal(insitu.turns.length, 1, JSON.stringify(turns.map((t) => t.turn_id)));
    assert.equal(insitu.turns[0]!.assistant?.content, ok.choices[0]!.message.content);
  });

  test('the key’s tenant rides on the turn; the upstream gets INSITU_UPSTREAM_API_KEY, never the virtual key', async () => {
    const { key } = await keys.create({ tenant, name: 'app' });
    sim.reset();
    const raw = await client(key).chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'which tenant?' }] }).withResponse();
    const turn = await insitu.waitForTurn(raw.response.headers.get('x-insitu-turn-id'));
    assert.equal(turn.tenant, tenant);
    const same = await client(key, { 'x-insitu-tenant': tenant }).chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'same tenant header' }] }).withResponse();
    assert.equal((await insitu.waitForTurn(same.response.headers.get('x-insitu-turn-id'))).tenant, tenant);
    await client(key).models.list();
    assert.ok(sim.requests.length >= 2);
    for (const r of sim.requests) {
      assert.equal(r.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
      assert.ok(!JSON.stringify(r.headers).includes(key) && !r.body.toString('utf8').includes(key));
      assert.equal(r.headers['x-insitu-tenant'], undefined);
    }
    const conflict = await ask(client(key, { 'x-insitu-tenant': 'someone-else' })).then(() => null, (e: unknown) => e);
    assert.ok(conflict instanceof OpenAI.PermissionDeniedError, String(conflict));
    assert.equal(conflict.code, 'tenant_mismatch');
  });

  test('requests per minute: the key’s RPM + 1st request gets RateLimitError with Retry-After and x-ratelimit headers', async () => {
    await awayFromWindowEdge();
    const { key } = await keys.create({ tenant, rpm: 3 });
    const c = client(key);
    for (let i = 0; i < 3; i++) await ask(c, `request ${i}`);
    const forwarded = sim.requests.length;
    const error = await ask(c, 'one too many').then(() => null, (e: unknown) => e);
    assert.ok(error instanceof OpenAI.RateLimitError, String(error));
    assert.equal(error.status, 429);
    assert.equal(error.type, 'requests');
    assert.equal(error.code, 'rate_limit_exceeded');
    const retryAfter = Number(error.headers?.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    assert.equal(error.headers?.get('x-ratelimit-limit-requests'), '3');
    assert.equal(error.headers?.get('x-ratelimit-remaining-requests'), '0');
    assert.equal(sim.requests.length, forwarded, 'the refused request was not forwarded');
    // Another key of the same tenant has its own budget.
    const { key: second } = await keys.create({ tenant, rpm: 3 });
    await ask(client(second));
  });

  test('tokens per minute: once the reported usage reaches the TPM, the next request gets a tokens 429', async () => {
    await awayFromWindowEdge();
    const { key, record } = await keys.create({ tenant, tpm: 10 });
    sim.enqueue({ kind: 'completion', usage: { prompt_tokens: 8, completion_tokens: 5 } });
    await ask(client(key), 'spend tokens');
    // Usage is counted just after the response: wait until the window holds it.
    const slot = `${DEFAULT_KEY_NAMESPACE}rl:${record.id}:tokens:${windowAt(Date.now()).index}`;
    for (let i = 0; i < 100 && (await insitu.runtime.state.get(slot)) === null; i++) await settle(20);
    assert.equal(await insitu.runtime.state.get(slot), '13');
    const error = await ask(client(key), 'over budget').then(() => null, (e: unknown) => e);
    assert.ok(error instanceof OpenAI.RateLimitError, String(error));
    assert.equal(error.type, 'tokens');
    assert.equal(error.headers?.get('x-ratelimit-limit-tokens'), '10');
    assert.equal(error.headers?.get('x-ratelimit-remaining-tokens'), '0');
  });

  test('streams are charged the reported usage (include_usage), or an estimate (chars/4) when they carry none', async () => {
    await awayFromWindowEdge();
    const { key, record } = await keys.create({ tenant, tpm: 1000 });
    const slot = `${DEFAULT_KEY_NAMESPACE}rl:${record.id}:tokens:${windowAt(Date.now()).index}`;
    sim.enqueue({ kind: 'completion', usage: { prompt_tokens: 40, completion_tokens: 2 } }, { kind: 'completion', usage: { prompt_tokens: 7, completion_tokens: 4 } });
    const without = await client(key).chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'no usage' }], stream: true });
    for await (const _ of without);
    const withUsage = await client(key).chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'usage' }], stream: true, stream_options: { include_usage: true } });
    for await (const _ of withUsage);
    // 'no usage' (8 chars) + 'echo: no usage' (14 chars) = 22 chars = 6 estimated tokens; then 7 + 4 reported.
    assert.equal(estimateTokens([{ role: 'user', content: 'no usage' }], [{ index: 0, message: { role: 'assistant', content: 'echo: no usage' }, finish_reason: 'stop' }]), 6);
    for (let i = 0; i < 100 && (await insitu.runtime.state.get(slot)) !== '17'; i++) await settle(20);
    assert.equal(await insitu.runtime.state.get(slot), '17');
  });

  test('a small TPM is enforced on streams without usage: the estimate fills it and the next request gets a tokens 429 with Retry-After', async () => {
    await awayFromWindowEdge();
    const { key, record } = await keys.create({ tenant, tpm: 30 });
    const slot = `${DEFAULT_KEY_NAMESPACE}rl:${record.id}:tokens:${windowAt(Date.now()).index}`;
    const stream = (content: string) => client(key).chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content }], stream: true });
    const prompt = 'x'.repeat(40); // 40 + 46 answer chars: 22 estimated tokens per request
    let spent = 0;
    for (let i = 0; i < 2; i++) {
      for await (const _ of await stream(prompt));
      spent += 22;
      for (let j = 0; j < 100 && Number(await insitu.runtime.state.get(slot)) < spent; j++) await settle(20);
      assert.equal(await insitu.runtime.state.get(slot), String(spent));
    }
    const forwarded = sim.requests.length;
    const error = await stream('one more').then(() => null, (e: unknown) => e);
    assert.ok(error instanceof OpenAI.RateLimitError, String(error));
    assert.equal(error.type, 'tokens');
    assert.equal(error.code, 'rate_limit_exceeded');
    const retryAfter = Number(error.headers?.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    assert.equal(error.headers?.get('x-ratelimit-limit-tokens'), '30');
    assert.equal(sim.requests.length, forwarded, 'the refused request was not forwarded');
  });
});

describe('insitu keys (CLI) against Redis, with a proxy on the same Redis', () => {
  test('create prints only the key, list hides it, revoke stops it at once', async () => {
    const sim = await startSimUpstream();
    const insitu = await startInsitu({ INSITU_UPSTREAM_URL: sim.url, INSITU_UPSTREAM_API_KEY: UPSTREAM_KEY, INSITU_AUTH: 'keys', INSITU_REDIS_URL: REDIS_URL });
    const config = loadConfig({ INSITU_REDIS_URL: REDIS_URL });
    const tenant = `cli-${run}`;
    try {
      const out: string[] = [];
      const err: string[] = [];
      await keysCommand(['create', '--tenant', tenant, '--rpm', '50', '--name', 'nightly job'], { config, logger: silentLogger, out: (t) => out.push(t), err: (t) => err.push(t) });
      assert.equal(out.length, 1);
      assert.match(out[0]!, /^isk_[A-Za-z0-9_-]{43}\n$/);
      const key = out[0]!.trim();
      const id = /created (key_[0-9a-f]+)/.exec(err.join(''))?.[1];
      assert.ok(id, err.join(''));
      assert.ok(!err.join('').includes(key));

      const listed: string[] = [];
      await keysCommand(['list', '--json', '--tenant', tenant], { config, logger: silentLogger, out: (t) => listed.push(t) });
      const records = JSON.parse(listed.join('')) as { id: string; tenant: string; name: string; rpm: number; tpm: number | null; revoked_at: string | null }[];
      assert.deepEqual(records.map((r) => [r.id, r.tenant, r.name, r.rpm, r.tpm, r.revoked_at]), [[id, tenant, 'nightly job', 50, null, null]]);
      const table: string[] = [];
      await keysCommand(['list'], { config, logger: silentLogger, out: (t) => table.push(t) });
      for (const text of [listed.join(''), table.join('')]) {
        assert.ok(!text.includes(key) && !text.includes(hashKey(key)) && !text.includes(hashKey(key).slice(0, 16)), 'neither the key nor its hash is listed');
      }
      assert.ok(table.join('').includes(id));

      const c = new OpenAI({ baseURL: insitu.baseURL, apiKey: key, maxRetries: 0 });
      const raw = await c.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'from the cli key' }] }).withResponse();
      assert.equal((await insitu.waitForTurn(raw.response.headers.get('x-insitu-turn-id'))).tenant, tenant);

      const revoked: string[] = [];
      await keysCommand(['revoke', id], { config, logger: silentLogger, out: (t) => revoked.push(t) });
      assert.match(revoked.join(''), new RegExp(`revoked ${id}`));
      await assert.rejects(c.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'after revoke' }] }), OpenAI.AuthenticationError);
      const after: string[] = [];
      await keysCommand(['list', '--json', '--tenant', tenant], { config, logger: silentLogger, out: (t) => after.push(t) });
      assert.ok((JSON.parse(after.join('')) as { revoked_at: string | null }[])[0]!.revoked_at);

      await assert.rejects(keysCommand(['revoke', 'key_does_not_exist'], { config, logger: silentLogger, out: () => {} }), UsageError);
      await assert.rejects(keysCommand(['create'], { config, logger: silentLogger }), UsageError);
      await assert.rejects(keysCommand(['create', '--tenant', tenant, '--rpm', 'many'], { config, logger: silentLogger }), UsageError);
      await assert.rejects(keysCommand(['create', '--tenant', tenant], { config: loadConfig({}), logger: silentLogger }), /in memory/);
    } finally {
      await insitu.close();
      await sim.close();
    }
  });
});

describe('two proxy replicas sharing Redis', () => {
  test('a key revoked through one replica is refused by the other on its next request (lookups are not cached)', async () => {
    const sim = await startSimUpstream();
    const env = { INSITU_UPSTREAM_URL: sim.url, INSITU_UPSTREAM_API_KEY: UPSTREAM_KEY, INSITU_AUTH: 'keys', INSITU_REDIS_URL: REDIS_URL };
    const a = await startInsitu(env);
    const b = await startInsitu(env);
    try {
      const storeA = createKeyStore(a.runtime.state);
      const { key, record } = await storeA.create({ tenant: `replicas-${run}` });
      const ask = (replica: Insitu, content: string) => new OpenAI({ baseURL: replica.baseURL, apiKey: key, maxRetries: 0 }).chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content }] });
      // Both replicas accept the key, and B looks it up again on every request.
      for (const content of ['a first', 'b first', 'b second']) assert.equal((await ask(content.startsWith('a') ? a : b, content)).choices[0]!.message.content, `echo: ${content}`);
      await storeA.revoke(record.id);
      const forwarded = sim.requests.length;
      for (const replica of [b, a]) {
        const error = await ask(replica, 'after revoke').then(() => null, (e: unknown) => e);
        assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
        assert.match(error.message, new RegExp(`${record.id} has been revoked`));
      }
      assert.equal(sim.requests.length, forwarded, 'nothing forwarded after the revocation');
    } finally {
      await b.close();
      await a.close();
      await sim.close();
    }
  });
});
