// Observability: the Prometheus registry, GET /metrics after real proxied chats, the ops endpoints of a
// consumer-only process, and tracing: the proxy's GenAI span continues the app's trace and the feedback
// detector's span joins it through the turn's bus headers (on both runtimes, so through Kafka headers too).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { createKeyStore } from '../src/auth/key-store.js';
import { context, propagation, trace, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { startFeedbackDetector } from '../consumers/feedback-detector/runner.js';
import { loadConfig } from '../src/config.js';
import type { DeliveredRecord } from '../src/bus/types.js';
import { silentLogger } from '../src/log.js';
import { openRuntime } from '../src/runtime.js';
import { createEmbeddedBus } from '../src/bus/embedded.js';
import { instrumentBus } from '../src/telemetry/bus-instrumentation.js';
import { createMetrics } from '../src/telemetry/metrics.js';
import { tempDirs } from './support/temp-dirs.js';
import { startOpsServer } from '../src/telemetry/ops-server.js';
import { TOPICS } from '../src/topics.js';
import { settle, startInsitu } from './support/insitu.js';
import { onBothRuntimes } from './support/runtimes.js';
import { startSimUpstream } from './support/sim-upstream.js';

/** A sample's value in exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}

describe('metrics registry', () => {
  test('counters, cumulative histogram buckets, gauges read at scrape time, escaped labels', () => {
    const m = createMetrics();
    const c = m.counter('x_total', 'A counter.');
    c.inc({ a: '1' });
    c.inc({ a: '1' }, 2);
    c.inc({ a: 'quote"back\\slash\nnewline' });
    const h = m.histogram('x_seconds', 'A histogram.', [0.1, 1]);
    h.observe({ k: 'v' }, 0.05);
    h.observe({ k: 'v' }, 0.5);
    h.observe({ k: 'v' }, 5);
    let level = 3;
    m.gauge('x_level', 'A gauge.', () => [{ value: level }]);
    level = 7;
    const text = m.render();
    assert.match(text, /# HELP x_total A counter\.\n# TYPE x_total counter\n/);
    assert.equal(sample(text, 'x_total', { a: '1' }), 3);
    assert.ok(text.includes('x_total{a="quote\\"back\\\\slash\\nnewline"} 1'), text);
    assert.equal(sample(text, 'x_seconds_bucket', { k: 'v', le: '0.1' }), 1);
    assert.equal(sample(text, 'x_seconds_bucket', { k: 'v', le: '1' }), 2);
    assert.equal(sample(text, 'x_seconds_bucket', { k: 'v', le: '+Inf' }), 3);
    assert.equal(sample(text, 'x_seconds_count', { k: 'v' }), 3);
    assert.equal(sample(text, 'x_seconds_sum', { k: 'v' }), 5.55);
    assert.equal(sample(text, 'x_level'), 7);
  });

  test('label values from requests cannot grow series without bound', () => {
    const m = createMetrics();
    const c = m.counter('y_total', 'Per model.');
    for (let i = 0; i < 2000; i++) c.inc({ model: `m${i}` });
    const lines = m.render().split('\n').filter((l) => l.startsWith('y_total'));
    assert.ok(lines.length <= 501, `${lines.length} series`);
    assert.equal(sample(m.render(), 'y_total', { model: 'other' }), 1500);
  });

  test('label values cannot grow without bound either: long ones are cut, and stay distinct', () => {
    const m = createMetrics();
    const c = m.counter('z_total', 'Per model.');
    const h = m.histogram('z_seconds', 'Per model.', [1]);
    for (let i = 0; i < 20; i++) {
      c.inc({ model: `${'x'.repeat(200_000)}${i}` });
      h.observe({ model: `${'x'.repeat(200_000)}${i}` }, 0.5);
    }
    const text = m.render();
    assert.ok(text.length < 20 * 3 * 400, `${text.length} bytes`);
    const counters = text.split('\n').filter((l) => l.startsWith('z_total{'));
    assert.equal(counters.length, 20);
    for (const line of counters) assert.ok(line.length < 200, line.slice(0, 80));
  });
});

describe('bus instrumentation', () => {
  const tempDir = tempDirs('metrics-');
  test('lag ignores backfilled records (historical timestamps); idle groups show their last batch age; consumed training events count', async () => {
    const metrics = createMetrics();
    const bus = instrumentBus(createEmbeddedBus({ dataDir: tempDir('bus'), defaultPartitions: 1, logger: silentLogger, pollMs: 20 }), metrics);
    const seen: DeliveredRecord[] = [];
    const sub = await bus.subscribe({ group: 'lag-group', topics: [TOPICS.turns, TOPICS.training], fromBeginning: true, handler: async (r) => void seen.push(...r) });
    try {
      const year2023 = Date.parse('2023-05-01T10:00:00Z');
      await bus.publish([{ topic: TOPICS.turns, key: 'c', value: '{}', timestamp: year2023, headers: { 'insitu-ingested': '1' } }]);
      for (let i = 0; i < 200 && seen.length < 1; i++) await settle(20);
      const afterBackfill = metrics.render();
      assert.equal(sample(afterBackfill, 'insitu_consumer_lag_seconds', { group: 'lag-group' }), undefined, 'no lag from a 2023 backfill');
      assert.ok((sample(afterBackfill, 'insitu_consumer_last_batch_age_seconds', { group: 'lag-group' }) ?? -1) >= 0);

      await bus.publish([{ topic: TOPICS.turns, key: 'c', value: '{}', timestamp: Date.now() - 120_000 }]);
      await bus.publish([{ topic: TOPICS.training, key: 'job-1', value: JSON.stringify({ job_id: 'job-1', status: 'running' }) }]);
      for (let i = 0; i < 200 && seen.length < 3; i++) await settle(20);
      const text = metrics.render();
      assert.ok((sample(text, 'insitu_consumer_lag_seconds', { group: 'lag-group', topic: TOPICS.turns }) ?? 0) >= 119, 'a live record two minutes old');
      assert.equal(sample(text, 'insitu_training_jobs', { state: 'running' }), 1);
    } finally {
      await sub.close();
      await bus.close();
    }
  });
});

describe('GET /metrics and the ops endpoints', () => {
  test('the proxy counts requests by status and model, latency, tokens, queue depth; pipeline counts come from the bus', async () => {
    const sim = await startSimUpstream();
    const insitu = await startInsitu({ INSITU_UPSTREAM_URL: sim.url });
    const detector = await startFeedbackDetector(insitu.runtime);
    try {
      const messages: { role: 'user' | 'assistant'; content: string }[] = [{ role: 'user', content: 'Explain DNS.' }];
      const first = await insitu.client.chat.completions.create({ model: 'm-metrics', messages });
      messages.push({ role: 'assistant', content: first.choices[0]!.message.content! }, { role: 'user', content: "No, that's wrong. Try again." });
      await insitu.client.chat.completions.create({ model: 'm-metrics', messages });
      sim.enqueue({ kind: 'error', status: 429 });
      await assert.rejects(insitu.client.chat.completions.create({ model: 'm-metrics', messages: [{ role: 'user', content: 'hi' }] }));
      const stream = await insitu.client.chat.completions.create({ model: 'm-metrics', messages: [{ role: 'user', content: 'stream please' }], stream: true });
      for await (const _ of stream) void _;

      let text = '';
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${insitu.proxy.url}/metrics`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /text\/plain; version=0\.0\.4/);
        text = await res.text();
        if ((sample(text, 'insitu_feedback_total', { polarity: 'DSAT', detector: 'local' }) ?? 0) >= 1) break;
        await settle(100);
      }
      assert.equal(sample(text, 'insitu_proxy_requests_total', { status: '200', model: 'm-metrics' }), 3);
      assert.equal(sample(text, 'insitu_proxy_requests_total', { status: '429', model: 'm-metrics' }), 1);
      assert.equal(sample(text, 'insitu_proxy_request_duration_seconds_count', { status: '200', model: 'm-metrics' }), 3);
      assert.equal(sample(text, 'insitu_proxy_upstream_latency_seconds_count', { model: 'm-metrics' }), 4);
      assert.equal(sample(text, 'insitu_proxy_time_to_first_byte_seconds_count', { model: 'm-metrics', stream: 'true' }), 1);
      assert.ok((sample(text, 'insitu_proxy_tokens_total', { model: 'm-metrics', type: 'output' }) ?? 0) > 0);
      assert.notEqual(sample(text, 'insitu_publish_queue_depth'), undefined);
      assert.notEqual(sample(text, 'insitu_spool_bytes'), undefined);
      assert.equal(sample(text, 'insitu_bus_healthy'), 1);
      assert.equal(sample(text, 'insitu_feedback_total', { polarity: 'DSAT', detector: 'local' }), 1, text);
      assert.ok((sample(text, 'insitu_feedback_rubrics_total', { kind: 'dsat', rubric: 'factual_error' }) ?? 0) >= 1, text.split('\n').filter((l) => l.includes('rubric')).join('\n'));
      assert.ok((sample(text, 'insitu_consumer_records_total', { group: 'insitu.feedback-detector', topic: TOPICS.turns }) ?? 0) >= 2);
      assert.notEqual(sample(text, 'insitu_consumer_lag_seconds', { group: 'insitu.feedback-detector' }), undefined);
      // The upstream key, request text and user ids never become label values.
      assert.ok(!text.includes('Explain DNS'));
    } finally {
      await detector.close();
      await insitu.close();
      await sim.close();
    }
  });

  test('every request is counted by route, status and model: refusals (401, 400, 413, 503) and pass-through routes too', async () => {
    const sim = await startSimUpstream();
    const insitu = await startInsitu({ INSITU_UPSTREAM_URL: sim.url, INSITU_UPSTREAM_API_KEY: 'sk-upstream-metrics', INSITU_AUTH: 'keys', INSITU_MAX_BODY: '4096', INSITU_MAX_INFLIGHT: '1' }).catch(async (error) => {
      await sim.close();
      throw error;
    });
    try {
      const { key } = await createKeyStore(insitu.runtime.state).create({ tenant: `metrics-${randomBytes(4).toString('hex')}` });
      const client = new OpenAI({ baseURL: insitu.baseURL, apiKey: key, maxRetries: 0 });
      const stranger = new OpenAI({ baseURL: insitu.baseURL, apiKey: 'isk_not-a-key', maxRetries: 0 });
      await assert.rejects(stranger.chat.completions.create({ model: 'm-count', messages: [{ role: 'user', content: 'hi' }] }), OpenAI.AuthenticationError);
      await assert.rejects(stranger.models.list(), OpenAI.AuthenticationError);
      await assert.rejects(client.chat.completions.create({ model: 'm-count', messages: 'not a list' as never }), OpenAI.BadRequestError);
      await assert.rejects(client.chat.completions.create({ model: 'm-count', messages: [{ role: 'user', content: 'x'.repeat(8000) }] }), (e: unknown) => e instanceof OpenAI.APIError && e.status === 413);
      assert.ok((await client.models.list()).data.length > 0);
      await client.embeddings.create({ model: 'e-count', input: 'hello' });
      await client.chat.completions.create({ model: 'm-count', messages: [{ role: 'user', content: 'hello' }] });
      // A hanging chat holds the only in-flight slot: the next is shed with 503; then its client gives up.
      sim.enqueue({ kind: 'hang' });
      const forwarded = sim.requests.length;
      const giveUp = new AbortController();
      const hanging = client.chat.completions.create({ model: 'm-count', messages: [{ role: 'user', content: 'slow' }] }, { signal: giveUp.signal });
      for (let i = 0; i < 200 && sim.requests.length === forwarded; i++) await settle(20);
      await assert.rejects(client.chat.completions.create({ model: 'm-count', messages: [{ role: 'user', content: 'shed' }] }), (e: unknown) => e instanceof OpenAI.APIError && e.status === 503);
      giveUp.abort();
      await assert.rejects(hanging);

      let text = '';
      for (let i = 0; i < 100; i++) {
        text = await (await fetch(`${insitu.proxy.url}/metrics`)).text();
        if (sample(text, 'insitu_proxy_requests_total', { route: 'chat', status: 'client_abort' }) !== undefined) break;
        await settle(50);
      }
      assert.equal(sample(text, 'insitu_proxy_requests_total', { route: 'chat', status: 'client_abort', model: 'm-count' }), 1);
      assert.equal(sample(text, 'insitu_proxy_requests_total', { route: 'chat', status: '401', model: 'unknown' }), 1, text);
      assert.equal(sample(text, 'insitu_proxy_requests_total', { route: 'passthrough', status: '401', model: 'unknown' }), 1);
      assert.equal(sample(text, 'insitu_proxy_requests_total', { route: 'chat', status: '400', model: 'unknown' }), 1);
      assert.equal(sample(text, 'insitu_proxy_requests_total', { route: 'chat', status: '413', model: 'unknown' }), 1);
      assert.equal(sample(text, 'insitu_proxy_requests_total', { route: 'chat', status: '503', model: 'unknown' }), 1);
      assert.equal(sample(text, 'insitu_proxy_requests_total', { route: 'passthrough', status: '200', model: 'unknown' }), 2, 'models.list and embeddings');
      assert.equal(sample(text, 'insitu_proxy_requests_total', { route: 'chat', status: '200', model: 'm-count' }), 1);
      assert.equal(sample(text, 'insitu_proxy_request_duration_seconds_count', { route: 'passthrough', status: '200', model: 'unknown' }), 2);
      assert.equal(sample(text, 'insitu_proxy_request_duration_seconds_count', { route: 'chat', status: '401', model: 'unknown' }), 1);
      assert.ok(!text.includes(key) && !text.includes('isk_not-a-key'), 'no key in a label');
    } finally {
      await insitu.close();
      await sim.close();
    }
  });

  test('a consumer-only process serves /metrics, /healthz and /readyz on INSITU_OPS_PORT', async () => {
    const runtime = await openRuntime(loadConfig({ INSITU_DATA_DIR: `/tmp/insitu-ops-${randomBytes(4).toString('hex')}` }), silentLogger);
    const ops = await startOpsServer(runtime, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${ops.port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(((await ready.json()) as { status: string }).status, 'ready');
      assert.match(await (await fetch(`${base}/metrics`)).text(), /# TYPE insitu_consumer_lag_seconds gauge/);
      const missing = await fetch(`${base}/nope`);
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
    } finally {
      await ops.close();
      await runtime.close();
    }
  });
});

// Tracing: an in-memory SDK registered for this test process (what startTracing does with an OTLP exporter).
const exporter = new InMemorySpanExporter();
before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
});
after(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

const APP_TRACE = () => randomBytes(16).toString('hex');
const APP_SPAN = () => randomBytes(8).toString('hex');

onBothRuntimes('tracing: the app\'s trace continues through the proxy span into the feedback detector\'s span', async (env) => {
  const sim = await startSimUpstream();
  const insitu = await startInsitu({ ...env, INSITU_UPSTREAM_URL: sim.url, INSITU_DEFAULT_TENANT: `trace-${randomBytes(4).toString('hex')}` });
  const detector = await startFeedbackDetector(insitu.runtime);
  const feedback: DeliveredRecord[] = [];
  const reader = await insitu.runtime.bus.subscribe({
    group: `trace-reader-${randomBytes(4).toString('hex')}`, topics: [TOPICS.feedback], fromBeginning: true, ephemeral: true,
    handler: async (records) => void feedback.push(...records),
  });
  try {
    const traceId = APP_TRACE();
    const appSpan = APP_SPAN();
    const headers = { traceparent: `00-${traceId}-${appSpan}-01` };
    const messages: { role: 'user' | 'assistant'; content: string }[] = [{ role: 'user', content: 'Explain DNS.' }];
    const first = await insitu.client.chat.completions.create({ model: 'm-trace', messages, temperature: 0.2 }, { headers });
    messages.push({ role: 'assistant', content: first.choices[0]!.message.content! }, { role: 'user', content: 'Thanks, that was perfect!' });
    await insitu.client.chat.completions.create({ model: 'm-trace', messages }, { headers });
    for (let i = 0; i < 200 && feedback.length === 0; i++) await settle(50);
    assert.equal(feedback.length, 1);

    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const chats = spans.filter((s) => s.name === 'chat m-trace');
    assert.equal(chats.length, 2, spans.map((s) => s.name).join(', '));
    const chat = chats[0]!;
    assert.equal(chat.kind, SpanKind.CLIENT);
    assert.equal(chat.parentSpanContext?.spanId, appSpan, 'the proxy span is a child of the app\'s span');
    assert.equal(chat.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(chat.attributes['gen_ai.request.model'], 'm-trace');
    assert.equal(chat.attributes['gen_ai.response.model'], 'm-trace-served');
    assert.equal(chat.attributes['gen_ai.request.temperature'], 0.2);
    assert.ok(Number(chat.attributes['gen_ai.usage.input_tokens']) > 0);
    assert.ok(Number(chat.attributes['gen_ai.usage.output_tokens']) > 0);
    assert.equal(typeof chat.attributes['gen_ai.conversation.id'], 'string');
    // The model server's request continues the trace under the proxy's span, not the app's.
    const upstreamChats = sim.requests.filter((r) => r.path.endsWith('/chat/completions'));
    assert.deepEqual(upstreamChats.map((r) => r.headers.traceparent), chats.map((s) => `00-${traceId}-${s.spanContext().spanId}-01`));

    const processed = spans.filter((s: ReadableSpan) => s.name === `process ${TOPICS.turns}`);
    assert.equal(processed.length, 2, 'one consumer span per turn, in the request\'s trace');
    assert.equal(processed[0]!.kind, SpanKind.CONSUMER);
    assert.deepEqual(new Set(processed.map((s) => s.parentSpanContext?.spanId)), new Set(chats.map((s) => s.spanContext().spanId)));
    // The FeedbackEvent carries the detector span's context on to the next consumer.
    const detectorSpan = processed.find((s) => s.parentSpanContext?.spanId === chats[1]!.spanContext().spanId)!;
    assert.equal(feedback[0]!.headers.traceparent, `00-${traceId}-${detectorSpan.spanContext().spanId}-01`);
  } finally {
    await reader.close();
    await detector.close();
    await insitu.close();
    await sim.close();
  }
});
