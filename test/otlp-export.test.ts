// Tracing end to end: the real `insitu proxy` process with OTEL_EXPORTER_OTLP_ENDPOINT pointed at a small
// real HTTP server standing in for the OTel collector (OTLP/HTTP with JSON bodies, what
// @opentelemetry/exporter-trace-otlp-http sends). A chat and a pass-through call through the openai SDK must
// arrive there as spans with their GenAI attributes, and no key (upstream or caller) may be in the payload.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import OpenAI from 'openai';
import { spawnInsitu } from './support/insitu-process.js';
import { startSimUpstream } from './support/sim-upstream.js';
import { tempDirs } from './support/temp-dirs.js';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}
interface OtlpSpan {
  name: string;
  attributes: OtlpAttribute[];
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/** A collector's OTLP/HTTP traces endpoint: keeps every request body it receives. */
async function startCollector() {
  const bodies: { path: string; contentType: string; text: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const attribute = (span: OtlpSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : (v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue);
};

const tempDir = tempDirs('otlp-');

test('the proxy exports GenAI spans over OTLP/HTTP to the configured collector, without any key', async () => {
  const collector = await startCollector();
  const sim = await startSimUpstream();
  const upstreamKey = `sk-upstream-${randomBytes(8).toString('hex')}`;
  const callerKey = `sk-caller-${randomBytes(8).toString('hex')}`;
  try {
    const proxy = await spawnInsitu(['proxy'], {
      INSITU_UPSTREAM_URL: sim.url,
      INSITU_UPSTREAM_API_KEY: upstreamKey,
      INSITU_DATA_DIR: tempDir('data'),
      INSITU_PORT: '0',
      INSITU_HOST: '127.0.0.1',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'insitu-otlp-test',
    });
    try {
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: callerKey, maxRetries: 0 });
      await client.chat.completions.create({ model: 'm-otlp', messages: [{ role: 'user', content: 'Explain DNS.' }] });
      await client.embeddings.create({ model: 'e-otlp', input: 'hello' });
    } finally {
      // A clean stop flushes the batched spans to the collector.
      assert.equal((await proxy.signal('SIGTERM')).code, 0, proxy.output().slice(-2000));
    }

    assert.ok(collector.bodies.length > 0, 'the collector received an export');
    for (const body of collector.bodies) {
      assert.equal(body.path, '/v1/traces');
      assert.match(body.contentType, /application\/json/);
      assert.ok(!body.text.includes(upstreamKey), 'the upstream key is never exported');
      assert.ok(!body.text.includes(callerKey), "the caller's key is never exported");
      assert.ok(!body.text.includes('Explain DNS'), 'nor the conversation');
    }
    const exports = collector.bodies.map((b) => JSON.parse(b.text) as OtlpExport);
    const resources = exports.flatMap((e) => e.resourceSpans);
    assert.ok(resources.some((r) => r.resource.attributes.some((a) => a.key === 'service.name' && a.value.stringValue === 'insitu-otlp-test')));
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));

    const chat = spans.find((s) => s.name === 'chat m-otlp');
    assert.ok(chat, spans.map((s) => s.name).join(', '));
    assert.equal(attribute(chat, 'gen_ai.operation.name'), 'chat');
    assert.equal(attribute(chat, 'gen_ai.request.model'), 'm-otlp');
    assert.equal(attribute(chat, 'gen_ai.response.model'), 'm-otlp-served');
    assert.ok(Number(attribute(chat, 'gen_ai.usage.output_tokens')) > 0);

    const embeddings = spans.find((s) => s.name === 'embeddings');
    assert.ok(embeddings, `a pass-through span: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(attribute(embeddings, 'gen_ai.operation.name'), 'embeddings');
    assert.equal(attribute(embeddings, 'http.request.method'), 'POST');
    assert.equal(attribute(embeddings, 'url.path'), '/v1/embeddings');
    assert.equal(Number(attribute(embeddings, 'http.response.status_code')), 200);
  } finally {
    await sim.close();
    await collector.close();
  }
});
