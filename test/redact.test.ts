// PII redaction: the detectors on a hand-written corpus (positives and negatives per type, multilingual
// text), per-tenant policy, idempotence, linear time on adversarial input, a TurnEvent redacted in every
// place a person or a model writes, and through a real bus: the published turn holds placeholders while the
// objects sent upstream keep the original text.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { createExplicitFeedbackHandler } from '../proxy/explicit-feedback.js';
import { buildTurnEvent, createTurnRecorder } from '../proxy/turn-recorder.js';
import { loadTurnSnapshot, saveTurnSnapshot, snapshotOf } from '../src/conversation/turn-snapshot.js';
import type { FeedbackEvent } from '../src/events/feedback.js';
import { openOutbox } from '../src/bus/index.js';
import type { Bus, DeliveredRecord } from '../src/bus/types.js';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import type { RecordedMessage, TurnEvent } from '../src/events/turn.js';
import { validateTurnEvent } from '../src/events/validate.js';
import { ingestCorpus } from '../src/ingest/run.js';
import { silentLogger } from '../src/log.js';
import { createRedactor, loadPseudonymKey, parseRedactionPolicy, PII_TYPES, PLACEHOLDERS, PSEUDONYM_KEY_FILE, redactionCounts, redactorFromConfig, type PiiType } from '../src/redact/index.js';
import { openRuntime } from '../src/runtime.js';
import { TOPICS } from '../src/topics.js';
import { MULTILINGUAL, NEGATIVES, POSITIVES } from './redact-corpus.js';

const ALL = { enabled: true, types: 'email,phone,card,ip,secret', tenants: undefined };
const all = createRedactor(ALL);
const only = (type: PiiType) => createRedactor({ enabled: true, types: type, tenants: undefined });

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'insitu-redact-'));
  dirs.push(d);
  return d;
};

describe('detectors on the corpus', () => {
  for (const type of PII_TYPES) {
    test(`${type}: ${POSITIVES[type].length} positives redacted, alone and with every type on`, () => {
      assert.ok(POSITIVES[type].length >= 15);
      for (const { input, redacted } of POSITIVES[type]) {
        const sentence = `Here it is: ${input} — thanks!`;
        const expected = `Here it is: ${redacted} — thanks!`;
        const alone = only(type).text(sentence, 't');
        assert.equal(alone.text, expected, `${type} alone: ${input}`);
        assert.equal(alone.counts[type], 1, `${type} counted once: ${input}`);
        assert.equal(all.text(sentence, 't').text, expected, `all types: ${input}`);
        assert.equal(all.text(input, 't').text, redacted, `bare: ${input}`);
      }
    });
    test(`${type}: ${NEGATIVES[type].length} negatives left alone`, () => {
      assert.ok(NEGATIVES[type].length >= 15);
      for (const input of NEGATIVES[type]) {
        const sentence = `Note: ${input} (end)`;
        const out = all.text(sentence, 't');
        assert.equal(out.text, sentence, `${type} negative changed: ${input}`);
        assert.deepEqual(Object.values(out.counts), [0, 0, 0, 0, 0]);
      }
    });
  }

  test('PII next to Chinese, Japanese, Russian and Arabic text', () => {
    for (const { input, redacted } of MULTILINGUAL) assert.equal(all.text(input, 't').text, redacted, input);
  });

  test('several kinds in one text, counted by type', () => {
    const out = all.text('Mail a@example.com or b@example.org, call 555-123-4567, card 4111 1111 1111 1111 from 10.0.0.1 with sk-proj-abc123DEF456ghi789JKLmno', 't');
    assert.equal(out.text, 'Mail [EMAIL] or [EMAIL], call [PHONE], card [CARD] from [IP] with [SECRET]');
    assert.deepEqual(out.counts, { email: 2, phone: 1, card: 1, ip: 1, secret: 1 });
  });

  test('idempotent: redacting redacted text changes nothing more', () => {
    const texts = [...PII_TYPES.flatMap((t) => POSITIVES[t].map((p) => `x ${p.input} y ${p.input}`)), ...MULTILINGUAL.map((m) => m.input)];
    for (const t of texts) {
      const once = all.text(t, 't');
      const twice = all.text(once.text, 't');
      assert.equal(twice.text, once.text, t);
      assert.deepEqual(Object.values(twice.counts), [0, 0, 0, 0, 0], t);
    }
    for (const p of Object.values(PLACEHOLDERS)) assert.equal(all.text(`a ${p} b`, 't').text, `a ${p} b`);
  });

  test('adversarial 1 MB strings complete (no catastrophic backtracking)', () => {
    const mb = 1 << 20;
    const fill = (unit: string) => unit.repeat(Math.ceil(mb / unit.length)).slice(0, mb);
    const inputs = [
      fill('a') + '@', fill('a.') + '@x', 'x@' + fill('a-') + '.', fill('1') + 'x', fill('1-'), fill('1 '), fill('1.'), fill('1.2.'), fill('(1) '), fill('+1 '),
      fill(':1'), fill('a:'), fill('1:'), fill('::1 '), 'sk-' + fill('a'), fill('sk-a'), fill('eyJa.'), 'eyJ' + fill('a') + '.', 'key' + fill('_') + '=',
      fill('key_'), fill('key=a'), 'Bearer ' + fill(' '), fill('bearer '), fill('4111 '), fill('0 '), fill('a@b.'), fill('@a.'), fill('password: x1 '),
      fill('-----BEGIN PRIVATE KEY----- '), fill('-----BEGIN PRIVATE KEY-----\nAb — '), 'https://' + fill('a:'), fill('s://a:b'),
    ];
    for (const input of inputs) {
      const out = all.text(input, 't');
      assert.equal(typeof out.text, 'string');
    }
    // A clean megabyte of prose passes unchanged.
    const prose = fill('The quick brown fox jumps over the lazy dog 42 times, on 2024-01-15 at 10:30. ');
    assert.equal(all.text(prose, 't').text, prose);
  });
});

describe('policy', () => {
  test('per-tenant types override the default; none disables a tenant', () => {
    const r = createRedactor({ enabled: true, types: 'email,phone,card,ip,secret', tenants: 'acme=email,card; lab=none' });
    const text = 'a@example.com 555-123-4567 4111 1111 1111 1111 10.0.0.1';
    assert.equal(r.text(text, 'acme').text, '[EMAIL] 555-123-4567 [CARD] 10.0.0.1');
    assert.equal(r.text(text, 'lab').text, text);
    assert.equal(r.text(text, 'other').text, '[EMAIL] [PHONE] [CARD] [IP]');
    const event = turnWithEverything('lab');
    assert.equal(r.turn(event), event);
  });

  test('INSITU_REDACT=false redacts nothing; the default policy from configuration redacts everything', () => {
    const off = createRedactor({ ...ALL, enabled: false });
    assert.equal(off.text('a@example.com', 't').text, 'a@example.com');
    const fromConfig = createRedactor(loadConfig({}).redact);
    assert.equal(fromConfig.text('a@example.com 10.0.0.1', 't').text, '[EMAIL] [IP]');
  });

  test('parses types and tenants; invalid strings are ConfigErrors naming the variable', () => {
    const p = parseRedactionPolicy({ enabled: true, types: ' Email , ip ', tenants: 'acme=email,card;lab=none;x.y-z=all;' });
    assert.deepEqual([...p.defaultTypes], ['email', 'ip']);
    assert.deepEqual([...p.tenants.get('acme')!], ['email', 'card']);
    assert.deepEqual([...p.tenants.get('lab')!], []);
    assert.deepEqual([...p.tenants.get('x.y-z')!], [...PII_TYPES]);
    const bad: [string, string | undefined, string, RegExp][] = [
      ['emial', undefined, 'INSITU_REDACT_TYPES', /unknown type 'emial'/],
      ['', undefined, 'INSITU_REDACT_TYPES', /empty/],
      ['email,,ip', undefined, 'INSITU_REDACT_TYPES', /empty entry/],
      ['email,none', undefined, 'INSITU_REDACT_TYPES', /'none' cannot be combined/],
      ['email', 'acme', 'INSITU_REDACT_TENANTS', /has no '='/],
      ['email', 'acme=email;acme=card', 'INSITU_REDACT_TENANTS', /listed twice/],
      ['email', 'ac me=email', 'INSITU_REDACT_TENANTS', /not a tenant name/],
      ['email', 'acme=credit', 'INSITU_REDACT_TENANTS', /tenant 'acme': unknown type 'credit'/],
      ['email', 'acme=', 'INSITU_REDACT_TENANTS', /tenant 'acme': is empty/],
    ];
    for (const [types, tenants, variable, message] of bad) {
      assert.throws(() => createRedactor({ enabled: true, types, tenants }), (e: unknown) => e instanceof ConfigError && e.variable === variable && message.test(e.message), `${types} / ${tenants}`);
    }
  });
});

/** A turn with PII in every place a person or a model writes. */
function turnWithEverything(tenant = 'acme'): TurnEvent {
  return {
    schema: 'insitu.turn',
    version: 1,
    turn_id: 'turn_01HZZZZZZZZZZZZZZZZZZZZZZZ',
    conversation_id: 'conv-redact',
    turn_index: 0,
    stitch: 'new',
    tenant,
    user: 'u-1',
    model_requested: 'gpt-test',
    model_served: 'gpt-test',
    request: {
      messages: [
        { role: 'system', content: 'Support line: +44 20 7946 0958' },
        { role: 'user', content: [{ type: 'text', text: 'I am alice@example.com' }, { type: 'image_url', image_url: { url: 'https://img.example.com/a.png' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"card":"4111 1111 1111 1111","ip":"10.0.0.1"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"owner":"bob@example.org"}' },
        { role: 'user', content: 'My key is sk-proj-abc123DEF456ghi789JKLmno, call (555) 123-4567' },
      ],
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Look up a card' } }],
      params: { temperature: 0.2, metadata: { note: 'from 192.168.1.1', nested: ['c@example.com'] }, stop: ['555-123-4567'] },
    },
    assistant: { role: 'assistant', content: 'Mail carol@example.com', tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'mail', arguments: '{"to":"dave@example.com"}' } }], refusal: 'Not sharing 4111-1111-1111-1111' },
    finish_reason: 'stop',
    extra_choices: [{ index: 1, message: { role: 'assistant', content: 'Or ring +1-555-123-4567', refusal: null }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    timings: { ttfb_ms: 1, total_ms: 2 },
    upstream_status: 200,
    stream: false,
    error: { message: 'upstream rejected key sk-abc123def456ghi789jkl012 from 2001:db8::1', type: 'upstream_error' },
    created_at: '2024-01-15T10:30:00.000Z',
  };
}

const ORIGINAL_PII = ['+44 20 7946 0958', 'alice@example.com', '4111 1111 1111 1111', '10.0.0.1', 'bob@example.org', 'sk-proj-abc123DEF456ghi789JKLmno', '(555) 123-4567', '192.168.1.1', 'c@example.com', '555-123-4567', 'carol@example.com', 'dave@example.com', '4111-1111-1111-1111', '+1-555-123-4567', 'sk-abc123def456ghi789jkl012', '2001:db8::1'];

describe('TurnEvent', () => {
  test('every written string is redacted, structure kept, the copy validates, the original is untouched', () => {
    const event = turnWithEverything();
    assert.equal(validateTurnEvent(event).ok, true);
    const before = structuredClone(event);
    const totalsBefore = redactionCounts();
    const redacted = all.turn(event);
    assert.deepEqual(event, before);
    const check = validateTurnEvent(redacted);
    assert.equal(check.ok, true, JSON.stringify(check));
    const json = JSON.stringify(redacted);
    for (const pii of ORIGINAL_PII) assert.equal(json.includes(pii), false, `still holds ${pii}`);
    assert.equal(redacted.request.messages[0]!.content, 'Support line: [PHONE]');
    assert.deepEqual(redacted.request.messages[1]!.content, [{ type: 'text', text: 'I am [EMAIL]' }, { type: 'image_url', image_url: { url: 'https://img.example.com/a.png' } }]);
    assert.deepEqual(redacted.request.messages[2]!.tool_calls, [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"card":"[CARD]","ip":"[IP]"}' } }]);
    assert.equal(redacted.request.messages[3]!.tool_call_id, 'call_1');
    assert.equal(redacted.request.messages[4]!.content, 'My key is [SECRET], call [PHONE]');
    assert.deepEqual(redacted.request.params, { temperature: 0.2, metadata: { note: 'from [IP]', nested: ['[EMAIL]'] }, stop: ['[PHONE]'] });
    assert.deepEqual(redacted.request.tools, event.request.tools);
    assert.deepEqual(redacted.assistant, { role: 'assistant', content: 'Mail [EMAIL]', tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'mail', arguments: '{"to":"[EMAIL]"}' } }], refusal: 'Not sharing [CARD]' });
    assert.equal(redacted.extra_choices![0]!.message.content, 'Or ring [PHONE]');
    assert.deepEqual(redacted.error, { message: 'upstream rejected key [SECRET] from [IP]', type: 'upstream_error' });
    assert.equal(JSON.parse(redacted.request.messages[2]!.tool_calls![0]!.function.arguments).card, '[CARD]');
    const totals = redactionCounts();
    assert.deepEqual(
      PII_TYPES.map((t) => totals[t] - totalsBefore[t]),
      [5, 4, 2, 3, 2],
    );
    assert.deepEqual(all.turn(redacted), redacted);
  });
});

describe('identity fields: keyed pseudonyms', () => {
  const PSEUDONYM = /^\[EMAIL:[0-9a-f]{16}\]$/;
  const withIdentity = (user: string | null, name: string): TurnEvent => {
    const event = turnWithEverything('t');
    event.user = user;
    (event.request.messages[1] as { name?: string }).name = name;
    (event.request.messages[0] as { name?: string }).name = 'support_bot';
    return event;
  };

  test('an email as end-user id or message name becomes a stable pseudonym; plain ids stay; per tenant, per key', () => {
    const key = loadPseudonymKey('k1', undefined);
    const r = createRedactor(ALL, key);
    const event = r.turn(withIdentity('ana@example.com', 'ana@example.com'));
    assert.match(event.user!, PSEUDONYM);
    assert.equal(event.request.messages[1]!.name, event.user, 'the same person under one key and tenant: the same pseudonym');
    assert.equal(event.request.messages[0]!.name, 'support_bot');
    assert.equal(JSON.stringify(event).includes('ana@example.com'), false);
    assert.equal(validateTurnEvent(event).ok, true);
    // The proxy looks users up by the id events carry: the same function gives the same id.
    assert.equal(r.identity('ana@example.com', 't'), event.user);
    assert.equal(createRedactor(ALL, loadPseudonymKey('k1', undefined)).identity('ana@example.com', 't'), event.user, 'same key, another process');
    assert.notEqual(r.identity('bob@example.com', 't'), event.user);
    assert.notEqual(r.identity('ana@example.com', 'other'), event.user, 'tenants cannot link users by pseudonym');
    assert.notEqual(createRedactor(ALL, loadPseudonymKey('k2', undefined)).identity('ana@example.com', 't'), event.user);
    // Other kinds of personal data in an id, ids without any, no user at all.
    assert.match(r.identity('+44 20 7946 0958', 't')!, /^\[PHONE:[0-9a-f]{16}\]$/);
    assert.equal(r.identity('u_123', 't'), 'u_123');
    assert.equal(r.identity(null, 't'), null);
    assert.equal(r.turn(withIdentity(null, 'x')).user, null);
    // Pseudonyms are stable under redaction again; a tenant whose policy leaves emails keeps the id.
    assert.deepEqual(r.turn(event), event);
    const lab = createRedactor({ enabled: true, types: 'all', tenants: 'lab=phone' }, key);
    assert.equal(lab.identity('ana@example.com', 'lab'), 'ana@example.com');
  });

  test('without INSITU_REDACT_PSEUDONYM_KEY a key is generated once under INSITU_DATA_DIR, 0600, and reused', () => {
    const dir = join(tempDir(), 'nested');
    const first = redactorFromConfig(loadConfig({ INSITU_DATA_DIR: dir }));
    const file = join(dir, PSEUDONYM_KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(file, 'utf8'), /^[0-9a-f]{64}\n$/);
    const second = redactorFromConfig(loadConfig({ INSITU_DATA_DIR: dir }));
    assert.equal(second.identity('ana@example.com', 't'), first.identity('ana@example.com', 't'));
    // A configured key wins over the file; redaction off creates no file.
    const configured = redactorFromConfig(loadConfig({ INSITU_DATA_DIR: dir, INSITU_REDACT_PSEUDONYM_KEY: 'shared-secret-key' }));
    assert.equal(configured.identity('ana@example.com', 't'), createRedactor(ALL, loadPseudonymKey('shared-secret-key', undefined)).identity('ana@example.com', 't'));
    assert.notEqual(configured.identity('ana@example.com', 't'), first.identity('ana@example.com', 't'));
    const off = tempDir();
    assert.equal(redactorFromConfig(loadConfig({ INSITU_DATA_DIR: off, INSITU_REDACT: 'false' })).identity('ana@example.com', 't'), 'ana@example.com');
    assert.throws(() => statSync(join(off, PSEUDONYM_KEY_FILE)));
  });
});

async function readTopic(bus: Bus, topic: string, expected: number): Promise<DeliveredRecord[]> {
  const got: DeliveredRecord[] = [];
  const sub = { close: async () => {} };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${expected} on ${topic}`)), 20_000);
    void bus
      .subscribe({ group: `redact-check-${Math.random()}`, topics: [topic], fromBeginning: true, ephemeral: true, handler: async (records) => {
        got.push(...records);
        if (got.length >= expected) (clearTimeout(timer), resolve());
      } })
      .then((s) => (sub.close = () => s.close()), reject);
  });
  await sub.close();
  return got;
}

describe('through a real bus (embedded runtime)', () => {
  test('the recorded turn on insitu.turns holds placeholders; the request body sent upstream keeps the original', async () => {
    const dir = tempDir();
    const config = loadConfig({ INSITU_DATA_DIR: dir, INSITU_BUS_PARTITIONS: '1', INSITU_REDACT_TENANTS: 'lab=none' });
    const runtime = await openRuntime(config, silentLogger);
    const outbox = openOutbox({ dir: join(dir, 'spool'), bus: runtime.bus, queueLimit: 100, batchSize: 10, lingerMs: 1, logger: silentLogger });
    try {
      const recorder = createTurnRecorder({ outbox, maxEventBytes: config.maxEventBytes, redactor: createRedactor(config.redact) });
      const body: Record<string, unknown> & { messages: RecordedMessage[] } = {
        model: 'gpt-test',
        temperature: 0.1,
        messages: [{ role: 'user', content: 'I am alice@example.com, card 4111 1111 1111 1111, key sk-proj-abc123DEF456ghi789JKLmno' }],
      };
      const sentUpstream = structuredClone(body);
      const exchange = (turnId: string, tenant: string) => ({
        turnId, conversationId: `conv-${tenant}`, turnIndex: 0, stitch: 'new' as const, tenant, user: null, body, stream: false,
        completion: { choices: [{ index: 0, message: { role: 'assistant' as const, content: 'Noted, I will mail alice@example.com' }, finish_reason: 'stop' }], model: 'gpt-test', usage: null, error: null },
        upstreamStatus: 200, endedBy: null, error: null, startedAt: Date.now(), firstByteAt: null, endedAt: Date.now(),
      });
      recorder.record(buildTurnEvent(exchange('turn_01HAAAAAAAAAAAAAAAAAAAAAAA', 'acme')));
      recorder.record(buildTurnEvent(exchange('turn_01HBBBBBBBBBBBBBBBBBBBBBBB', 'lab')));
      assert.equal(await outbox.drain(10_000), true);
      assert.deepEqual(body, sentUpstream, 'the body sent upstream is not altered');

      const records = await readTopic(runtime.bus, TOPICS.turns, 2);
      const turns = records.map((r) => JSON.parse(r.value) as TurnEvent);
      const acme = turns.find((t) => t.tenant === 'acme')!;
      const lab = turns.find((t) => t.tenant === 'lab')!;
      assert.equal(validateTurnEvent(acme).ok, true);
      assert.equal(acme.request.messages[0]!.content, 'I am [EMAIL], card [CARD], key [SECRET]');
      assert.equal(acme.assistant!.content, 'Noted, I will mail [EMAIL]');
      assert.equal(lab.request.messages[0]!.content, sentUpstream.messages[0]!.content, 'lab=none publishes the original');
    } finally {
      await outbox.close();
      await runtime.close();
    }
  });

  test('explicit feedback: the comment is redacted in the published evidence and the synthetic feedback turn', async () => {
    const dir = tempDir();
    const config = loadConfig({ INSITU_DATA_DIR: dir, INSITU_BUS_PARTITIONS: '1' });
    const runtime = await openRuntime(config, silentLogger);
    const outbox = openOutbox({ dir: join(dir, 'spool'), bus: runtime.bus, queueLimit: 100, batchSize: 10, lingerMs: 1, logger: silentLogger });
    const handler = createExplicitFeedbackHandler({ state: runtime.state, outbox, defaultTenant: 'default', snapshotTtlMs: 60_000, timeoutMs: 1000, logger: silentLogger, redactor: createRedactor(config.redact) });
    const server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const rated = { ...turnWithEverything('default'), turn_id: 'turn_01HCCCCCCCCCCCCCCCCCCCCCCC' };
      await saveTurnSnapshot(runtime.state, snapshotOf(all.turn(rated)), 60_000);
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/v1/insitu/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ turn_id: rated.turn_id, rating: 'down', comment: 'Wrong, email me at erin@example.com or call +49 30 12345678' }),
      });
      assert.equal(res.status, 202, await res.clone().text());
      assert.equal(await outbox.drain(10_000), true);
      const [record] = await readTopic(runtime.bus, TOPICS.feedback, 1);
      const event = JSON.parse(record!.value) as FeedbackEvent;
      assert.equal(event.evidence, 'Wrong, email me at [EMAIL] or call [PHONE]');
      const feedbackTurn = await loadTurnSnapshot(runtime.state, event.feedback_turn_id);
      assert.equal(feedbackTurn!.messages.at(-1)!.content, 'Wrong, email me at [EMAIL] or call [PHONE]');
      assert.equal(JSON.stringify(feedbackTurn).includes('erin@example.com'), false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await outbox.close();
      await runtime.close();
    }
  });

  test('ingest redacts historical turns before publishing them', async () => {
    const dir = tempDir();
    const config = loadConfig({ INSITU_DATA_DIR: dir, INSITU_BUS_PARTITIONS: '1' });
    const runtime = await openRuntime(config, silentLogger);
    try {
      const input = join(dir, 'history.jsonl');
      writeFileSync(input, JSON.stringify({ conversation_hash: 'h1', model: 'gpt-4', timestamp: '2024-01-15T10:00:00Z', conversation: [
        { role: 'user', content: 'Reach me at +1 (555) 123-4567 or li.wei@example.cn' },
        { role: 'assistant', content: 'I will write to li.wei@example.cn' },
      ] }) + '\n');
      const result = await ingestCorpus({ input, bus: runtime.bus, dataDir: dir, tenant: 'hist', redactor: createRedactor(config.redact) });
      assert.equal(result.turns, 1);
      const [record] = await readTopic(runtime.bus, TOPICS.turns, 1);
      const turn = JSON.parse(record!.value) as TurnEvent;
      assert.equal(validateTurnEvent(turn).ok, true);
      assert.equal(turn.request.messages[0]!.content, 'Reach me at [PHONE] or [EMAIL]');
      assert.equal(turn.assistant!.content, 'I will write to [EMAIL]');
    } finally {
      await runtime.close();
    }
  });
});
