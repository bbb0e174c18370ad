// Pure parts without I/O: configuration, ids, stitching rules, completion reading, event fitting, schemas.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadConfig, variablesTable, VARIABLES } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { ulid } from '../src/ids.js';
import { continuationCandidates, historyHash } from '../proxy/stitching.js';
import { readCompletionJson, readCompletionStream } from '../proxy/completion-reader.js';
import { serializeWithin } from '../proxy/turn-recorder.js';
import type { TurnEvent } from '../src/events/turn.js';
import { EVENT_SCHEMAS, validateTurnEvent } from '../src/events/validate.js';
import { partitionForKey } from '../src/bus/partitioner.js';

describe('config', () => {
  test('defaults: embedded bus, memory state, port 8080, 4 MB bodies', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.dataDir, './data');
    assert.equal(c.kafka, undefined);
    assert.equal(c.redis, undefined);
    assert.equal(c.maxBodyBytes, 4 * 1024 * 1024);
    assert.equal(c.upstream.url, 'https://api.openai.com/v1');
  });
  test('Kafka and Redis are chosen by their variables', () => {
    const c = loadConfig({ INSITU_KAFKA_BROKERS: 'k1:9092, k2:9092', INSITU_REDIS_URL: 'redis://r:6379/1' });
    assert.deepEqual(c.kafka?.brokers, ['k1:9092', 'k2:9092']);
    assert.equal(c.redis?.url, 'redis://r:6379/1');
  });
  test('a bad value names its variable in one line and never echoes secrets', () => {
    for (const [env, name] of [
      [{ INSITU_PORT: 'eighty' }, 'INSITU_PORT'],
      [{ INSITU_PORT: '70000' }, 'INSITU_PORT'],
      [{ INSITU_UPSTREAM_URL: 'ftp://x' }, 'INSITU_UPSTREAM_URL'],
      [{ INSITU_MAX_BODY: 'lots' }, 'INSITU_MAX_BODY'],
      [{ INSITU_KAFKA_BROKERS: 'nohostport' }, 'INSITU_KAFKA_BROKERS'],
      [{ INSITU_KAFKA_SASL_MECHANISM: 'plain', INSITU_KAFKA_SASL_USERNAME: 'u' }, 'INSITU_KAFKA_SASL_PASSWORD'],
    ] as const) {
      assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === name && !e.message.includes('\n'));
    }
    assert.throws(() => loadConfig({ INSITU_UPSTREAM_URL: 'not a url with sk-secret' }), (e: Error) => e instanceof ConfigError);
    assert.throws(() => loadConfig({ INSITU_REDIS_URL: 'http://user:hunter2@r' }), (e: Error) => !e.message.includes('hunter2'));
  });
  test('README lists every variable', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const v of VARIABLES) assert.ok(readme.includes(v.name), `README.md lacks ${v.name}`);
    assert.ok(readme.includes(variablesTable()), 'README.md env table is out of date: paste variablesTable() (insitu env --markdown)');
  });
});

describe('ids', () => {
  test('ulids sort by creation even within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => ulid(1_700_000_000_000));
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, 1000);
    assert.match(ids[0]!, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});

describe('stitching rules', () => {
  const sys = { role: 'system', content: 'be brief' };
  const u1 = { role: 'user', content: 'hi' };
  const a1 = { role: 'assistant', content: 'hello' };
  const u2 = { role: 'user', content: 'more' };
  test('a first turn has no candidate; a follow-up looks up history before the new user message', () => {
    assert.deepEqual(continuationCandidates([sys, u1]), []);
    assert.deepEqual(continuationCandidates([sys, u1, a1, u2]), [[sys, u1, a1]]);
  });
  test('a tool result continues from the assistant tool call', () => {
    const call = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] };
    const result = { role: 'tool', tool_call_id: 'c1', content: '42' };
    assert.deepEqual(continuationCandidates([u1, call, result]), [[u1, call]]);
  });
  test('hash ignores re-serialisation (text parts, edge whitespace, extra fields) but not edits', () => {
    const base = historyHash([u1, a1]);
    assert.equal(historyHash([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }, { role: 'assistant', content: 'hello\n', refusal: null }]), base);
    assert.notEqual(historyHash([u1, { role: 'assistant', content: 'hello!' }]), base);
    assert.notEqual(historyHash([{ role: 'user', content: 'hi' }]), base);
  });
});

describe('reading what the model answered', () => {
  test('JSON completion with tool calls, n=2 and usage', () => {
    const r = readCompletionJson(JSON.stringify({
      model: 'served', usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
      choices: [
        { index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'get', arguments: '{"a":1}' } }] }, finish_reason: 'tool_calls' },
        { index: 1, message: { role: 'assistant', content: 'two' }, finish_reason: 'stop' },
      ],
    }));
    assert.equal(r.model, 'served');
    assert.equal(r.choices.length, 2);
    assert.deepEqual(r.choices[0]!.message.tool_calls, [{ id: 't', type: 'function', function: { name: 'get', arguments: '{"a":1}' } }]);
    assert.equal(r.choices[1]!.message.content, 'two');
    assert.deepEqual(r.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });
  test('SSE stream with CRLF, comments, split tool arguments and a usage chunk', () => {
    const ev = (o: unknown) => `data: ${JSON.stringify(o)}\r\n\r\n`;
    const text = [
      ': keep-alive\r\n\r\n',
      ev({ model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' } }] }),
      ev({ model: 'm', choices: [{ index: 0, delta: { content: 'lo', tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'f', arguments: '{"x"' } }] } }] }),
      ev({ model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, finish_reason: 'tool_calls' }] }),
      'data: {not json}\r\n\r\n',
      ev({ model: 'm', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }),
      'data: [DONE]\r\n\r\n',
    ].join('');
    const r = readCompletionStream(text);
    assert.equal(r.choices[0]!.message.content, 'Hello');
    assert.equal(r.choices[0]!.message.tool_calls![0]!.function.arguments, '{"x":1}');
    assert.equal(r.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(r.usage?.total_tokens, 3);
  });
  test('a stream cut mid-event keeps what arrived', () => {
    const r = readCompletionStream('data: {"choices":[{"index":0,"delta":{"content":"par"}}]}\n\ndata: {"choices":[{"ind');
    assert.equal(r.choices[0]!.message.content, 'par');
    assert.equal(r.choices[0]!.finish_reason, null);
  });
});

function sampleTurn(content: string): TurnEvent {
  return {
    schema: 'insitu.turn', version: 1, turn_id: `turn_${ulid()}`, conversation_id: 'conv_x', turn_index: 0, stitch: 'new', tenant: 'default', user: null,
    model_requested: 'm', model_served: 'm', request: { messages: [{ role: 'system', content: 'short' }, { role: 'user', content }], params: { temperature: 0 } },
    assistant: { role: 'assistant', content: 'ok' }, finish_reason: 'stop', usage: null, timings: { ttfb_ms: 1, total_ms: 2 }, upstream_status: 200, stream: false,
    created_at: new Date().toISOString(),
  };
}

describe('TurnEvent', () => {
  test('an event larger than the limit is cut to fit, marked truncated, and still valid', () => {
    const big = sampleTurn('x'.repeat(200_000));
    const text = serializeWithin(big, 50_000);
    assert.ok(Buffer.byteLength(text) <= 50_000);
    const parsed = JSON.parse(text);
    assert.equal(parsed.truncated, true);
    assert.equal(parsed.request.messages[0].content, 'short');
    assert.equal(validateTurnEvent(parsed).ok, true);
    const small = sampleTurn('hi');
    assert.equal(serializeWithin(small, 50_000), JSON.stringify(small));
  });
  test('the schema rejects what the type forbids', () => {
    assert.equal(validateTurnEvent(sampleTurn('hi')).ok, true);
    const bad = { ...sampleTurn('hi'), turn_index: -1 };
    assert.equal(validateTurnEvent(bad).ok, false);
    const extra = { ...sampleTurn('hi'), surprise: 1 };
    assert.equal(validateTurnEvent(extra).ok, false);
  });
  test('every schemas/*.schema.json file is the generated schema', () => {
    assert.ok(EVENT_SCHEMAS.length >= 2);
    for (const entry of EVENT_SCHEMAS) {
      const file = JSON.parse(readFileSync(new URL(`../../schemas/${entry.file}`, import.meta.url), 'utf8'));
      assert.deepEqual(file, JSON.parse(JSON.stringify(entry.schema)), `stale ${entry.file}: run npx insitu schemas --write schemas`);
    }
  });
});

describe('partitioner', () => {
  test('matches Kafka\'s murmur2 default partitioner', () => {
    // Values computed by kafkajs' own murmur2 (the Java client's partitioner).
    assert.equal(partitionForKey('a', 6), 4);
    assert.equal(partitionForKey('conv_123', 12), 1);
  });
});
