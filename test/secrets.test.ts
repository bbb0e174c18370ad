// No secret leaves the proxy: with a distinctive upstream key and a virtual key, real traffic (JSON, streaming,
// upstream errors that echo the Authorization header back, passthrough routes, explicit feedback, a conversation
// that becomes a preference pair) must leave neither key in any log line, bus record (value or headers), file
// in the data dir, export, client-visible error or response, or /metrics.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import OpenAI from 'openai';
import { CONSUMERS, type RunningConsumer } from '../consumers/index.js';
import { createKeyStore, generateKey, hashKey } from '../src/auth/index.js';
import { loadConfig } from '../src/config.js';
import { EXPORT_FORMATS, exportDataset } from '../src/dataset/export/index.js';
import { createLogger } from '../src/log.js';
import { openRuntime } from '../src/runtime.js';
import { ALL_TOPICS } from '../src/topics.js';
import { startProxy } from '../proxy/server.js';
import { settle } from './support/insitu.js';
import { startSimUpstream } from './support/sim-upstream.js';

const UPSTREAM_KEY = `sk-UPSTREAM-${randomBytes(12).toString('hex')}`;
const LONG = 'DNS is a broad subject with a long history. '.repeat(6) + 'To understand it fully one has to consider many layers, protocols, trade-offs and decisions.';
const SHORT = '- DNS: names to addresses.\n- One example.\n- One caveat.';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('neither the upstream key nor a virtual key reaches a log, event, file, export, error, response or metric', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'insitu-secrets-'));
  const exportDir = mkdtempSync(join(tmpdir(), 'insitu-secrets-export-'));
  const logs: string[] = [];
  const sim = await startSimUpstream();
  const lastAuthorization = () => String(sim.requests.at(-1)?.headers.authorization ?? '');
  // The upstream echoes the credentials it got in its errors, as some gateways do.
  sim.respondWith((json) => {
    const user = [...(json.messages ?? [])].reverse().find((m: { role: string }) => m.role === 'user')?.content ?? '';
    if (user.includes('ECHO-401')) return { kind: 'error', status: 401, body: { error: { message: `Incorrect API key provided: ${lastAuthorization()}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } };
    if (user.includes('ECHO-500')) return { kind: 'error', status: 500, body: { error: { message: `internal error while serving ${lastAuthorization()}`, type: 'server_error', param: null, code: null } } };
    if (user.includes('ECHO-HTML')) return { kind: 'error', status: 502, rawBody: `<html><body>Bad gateway for ${lastAuthorization()}</body></html>` };
    if (/^thanks/i.test(user)) return { kind: 'completion', content: 'Glad it helped!' };
    if (/shorter/i.test(user)) return { kind: 'completion', content: SHORT };
    return { kind: 'completion', content: LONG };
  });
  const config = loadConfig({
    INSITU_DATA_DIR: dataDir, INSITU_PORT: '0', INSITU_HOST: '127.0.0.1', INSITU_PUBLISH_LINGER_MS: '1', INSITU_LOG_LEVEL: 'debug',
    INSITU_UPSTREAM_URL: sim.url, INSITU_UPSTREAM_API_KEY: UPSTREAM_KEY, INSITU_AUTH: 'keys',
  });
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const runtime = await openRuntime(config, logger);
  const proxy = await startProxy(runtime);
  const consumers: RunningConsumer[] = [];
  const records: string[] = [];
  const reader = await runtime.bus.subscribe({
    group: `secrets-reader-${randomBytes(4).toString('hex')}`,
    topics: ALL_TOPICS,
    fromBeginning: true,
    ephemeral: true,
    handler: async (batch) => {
      for (const r of batch) records.push(JSON.stringify(r));
    },
  });
  const seen: string[] = []; // everything the client got back
  const tenant = `secrets-${randomBytes(4).toString('hex')}`;
  try {
    for (const c of CONSUMERS.filter((c) => ['feedback-detector', 'preference-builder', 'dataset-store'].includes(c.name))) consumers.push(await c.start(runtime));
    const { key: virtualKey } = await createKeyStore(runtime.state).create({ tenant, name: 'secrets test' });
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: virtualKey, maxRetries: 0 });
    const capture = (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      seen.push(error.message, JSON.stringify(error.error ?? null), JSON.stringify([...(error.headers?.entries() ?? [])]));
      return error;
    };

    // A conversation that becomes a preference pair (DSAT, accepted revision, thanks), JSON answers.
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: 'You are a network tutor.' }];
    let firstTurnId: string | null = null;
    for (const q of ['Explain how DNS works.', 'That is way too long. Shorter please, in bullet points.', 'Thanks, perfect!']) {
      messages.push({ role: 'user', content: q });
      const { data, response } = await client.chat.completions.create({ model: 'gpt-sim', messages, user: 'user-1' }).withResponse();
      firstTurnId ??= response.headers.get('x-insitu-turn-id');
      seen.push(JSON.stringify(data), JSON.stringify([...response.headers.entries()]));
      messages.push(data.choices[0]!.message);
    }
    // Streaming, with usage.
    const stream = await client.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'stream please' }], stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) seen.push(JSON.stringify(chunk));
    // Upstream errors that echo the upstream key: JSON 401 and 500, an HTML 502; a stream too.
    const echoed401 = capture(await client.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'ECHO-401' }] }).then(() => null, (e: unknown) => e));
    assert.equal(echoed401.status, 401);
    assert.match(JSON.stringify(echoed401.error), /\[redacted\]/, 'the upstream did echo a key, and it was redacted');
    capture(await client.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'ECHO-500' }] }).then(() => null, (e: unknown) => e));
    capture(await client.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'ECHO-HTML' }] }).then(() => null, (e: unknown) => e));
    capture(await client.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'ECHO-401 streamed' }], stream: true }).then(() => null, (e: unknown) => e));
    assert.ok(sim.requests.some((r) => r.headers.authorization === `Bearer ${UPSTREAM_KEY}`), 'the upstream got the real key');
    // Refused callers: an unknown virtual key and a real-looking provider key.
    for (const wrong of [generateKey(), 'sk-proj-not-a-virtual-key']) {
      capture(await new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: wrong, maxRetries: 0 }).models.list().then(() => null, (e: unknown) => e));
    }
    // Passthrough routes.
    seen.push(JSON.stringify(await client.models.list()));
    seen.push(JSON.stringify(await client.embeddings.create({ model: 'sim-embedding', input: 'hello' })));
    capture(await client.files.list().then(() => null, (e: unknown) => e)); // the sim has no /files: a passthrough 404
    // Explicit feedback on the first turn.
    assert.ok(firstTurnId);
    for (let attempt = 0; ; attempt++) {
      const feedback = await fetch(`${proxy.url}/v1/insitu/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${virtualKey}` }, body: JSON.stringify({ turn_id: firstTurnId, rating: 'down', comment: 'too long' }) });
      const text = await feedback.text();
      seen.push(text, JSON.stringify([...feedback.headers.entries()]));
      if (feedback.status === 200 || feedback.status === 202) break;
      assert.ok(feedback.status === 404 && attempt < 50, `feedback: ${feedback.status} ${text}`); // the turn snapshot lands moments after the answer
      await settle(100);
    }

    // Wait for the pair to be stored, then export every format.
    const exported: string[] = [];
    for (let attempt = 0; exported.length === 0; attempt++) {
      const result = await exportDataset({ dataDir: config.dataDir, format: EXPORT_FORMATS[0]!, outDir: join(exportDir, 'probe') });
      if (result.written > 0) exported.push('ready');
      else if (attempt > 150) assert.fail('no preference pair reached the dataset store');
      else await settle(100);
    }
    for (const format of EXPORT_FORMATS) {
      const result = await exportDataset({ dataDir: config.dataDir, format, outDir: join(exportDir, format.name) });
      for (const file of result.files) exported.push(readFileSync(file, 'utf8'));
    }
    assert.ok(exported.join('\n').includes('names to addresses'), 'the export holds the conversation');
    await settle(300); // let the last records reach the reader
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    assert.match(metrics, /insitu_proxy_requests_total/);

    assert.ok(records.some((r) => r.includes(tenant)), 'events were captured, with the key’s tenant');
    assert.ok(logs.length > 0, 'log lines were captured');
    const dataFiles = filesUnder(dataDir).map((f) => readFileSync(f).toString('latin1'));
    const haystacks: Record<string, string[]> = { logs, records, exported, dataFiles, seen, metrics: [metrics] };
    for (const [label, secret] of [['upstream key', UPSTREAM_KEY], ['virtual key', virtualKey], ['virtual key hash', hashKey(virtualKey)]] as const) {
      for (const [where, texts] of Object.entries(haystacks)) {
        const hits = texts.filter((t) => t.includes(secret));
        assert.equal(hits.length, 0, `the ${label} appears in ${where}: ${hits[0]?.slice(0, 300)}`);
      }
    }
  } finally {
    await reader.close();
    for (const c of consumers.reverse()) await c.close();
    await proxy.close();
    await runtime.close();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(exportDir, { recursive: true, force: true });
  }
});
