// Dead letters: the DeadLetter event and the failure classification without I/O, then the feedback detector on
// both runtimes — garbage and schema-invalid turns go to insitu.dlq at once and the good turns after them are
// judged; a turn whose handling throws every time (its conversation's memory in state is corrupt) is
// dead-lettered after INSITU_DLQ_MAX_ATTEMPTS with the (redacted) error and the turns after it are judged; a
// state store that is down (a real Redis client on a closed port) dead-letters nothing; and `insitu dlq
// replay`, once the cause is fixed, re-publishes the turn so the detector judges it.
import { configSecrets } from '../src/secrets.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEEDBACK_DETECTOR_GROUP, memoryKey, startFeedbackDetector } from '../consumers/feedback-detector/runner.js';
import { isTransientFailure, REPLAYED_FROM_HEADER } from '../src/bus/dead-letter/index.js';
import type { DeliveredRecord } from '../src/bus/types.js';
import { deadLettersTable, dlqCommand } from '../src/cli/dlq.js';
import { loadConfig } from '../src/config.js';
import { BusError, InsituError, RecordRejectedError, StateError } from '../src/errors.js';
import { boundValue, buildDeadLetter, deadLetterId, describeDeadError, MAX_DEAD_VALUE_BYTES, type DeadLetter } from '../src/events/dead-letter.js';
import type { FeedbackEvent } from '../src/events/feedback.js';
import type { TurnEvent } from '../src/events/turn.js';
import { validateDeadLetter } from '../src/events/validate.js';
import { ulid } from '../src/ids.js';
import { createLogger, silentLogger } from '../src/log.js';
import { openRuntime } from '../src/runtime.js';
import { createRedisState } from '../src/state/redis.js';
import { TOPICS } from '../src/topics.js';
import { onBothRuntimes } from './support/runtimes.js';

const SECRET = 'sk-abcd-1234';

describe('dead letters (no I/O)', () => {
  const record: DeliveredRecord = { topic: TOPICS.turns, partition: 2, offset: '41', key: 'conv_a', value: '{"x":1}', headers: { traceparent: 'tp' }, timestamp: 1_700_000_000_000 };
  test('a DeadLetter is valid against its schema, keeps the record and has an id fixed by group/topic/partition/offset/timestamp', () => {
    const letter = buildDeadLetter({ group: 'g', record, reason: 'failed', error: { name: 'TypeError', message: 'boom' }, attempts: 3 });
    assert.equal(validateDeadLetter(letter).ok, true, JSON.stringify(validateDeadLetter(letter)));
    assert.equal(letter.dead_letter_id, deadLetterId('g', TOPICS.turns, 2, '41', record.timestamp));
    assert.equal(buildDeadLetter({ group: 'g', record, reason: 'invalid', error: { name: 'E', message: '' }, attempts: 1 }).dead_letter_id, letter.dead_letter_id);
    assert.notEqual(deadLetterId('other', TOPICS.turns, 2, '41', record.timestamp), letter.dead_letter_id);
    assert.notEqual(deadLetterId('g', TOPICS.turns, 2, '41', record.timestamp + 1), letter.dead_letter_id); // a recreated topic
    assert.deepEqual(letter.original, { ...record, value_truncated: false, value_bytes: 7 });
    assert.equal(letter.tenant, null, 'the value names no tenant');
  });
  test("a dead letter names the original event's tenant when its value does", () => {
    const named = buildDeadLetter({ group: 'g', record: { ...record, value: '{"tenant":"acme","turn_id":5}' }, reason: 'invalid', error: { name: 'E', message: 'bad' }, attempts: 1 });
    assert.equal(named.tenant, 'acme');
    assert.equal(validateDeadLetter(named).ok, true);
    for (const value of ['not json {', '[1,2]', '{"tenant":7}', 'null']) {
      assert.equal(buildDeadLetter({ group: 'g', record: { ...record, value }, reason: 'unparseable', error: { name: 'E', message: 'x' }, attempts: 1 }).tenant, null, value);
    }
  });
  test('a value too large is cut so that its escaped form fits, and flagged', () => {
    const quotes = '"'.repeat(MAX_DEAD_VALUE_BYTES); // every character doubles when escaped
    const cut = boundValue(quotes);
    assert.equal(cut.truncated, true);
    assert.ok(Buffer.byteLength(JSON.stringify(cut.value)) <= MAX_DEAD_VALUE_BYTES);
    assert.ok(cut.value.length > MAX_DEAD_VALUE_BYTES / 2 - 100);
    const letter = buildDeadLetter({ group: 'g', record: { ...record, value: quotes }, reason: 'unparseable', error: { name: 'SyntaxError', message: 'x' }, attempts: 1 });
    assert.equal(letter.original.value_truncated, true);
    assert.equal(letter.original.value_bytes, MAX_DEAD_VALUE_BYTES);
    assert.deepEqual(boundValue('😀😀', 8), { value: '😀', truncated: true }); // never half a surrogate pair
  });
  test('the list table shows one row per dead letter, with where it came from and whether it was replayed', () => {
    const letter = buildDeadLetter({ group: 'g', record: { ...record, key: 'a|b' }, reason: 'failed', error: { name: 'TypeError', message: 'boom\nagain' }, attempts: 3 });
    const lines = deadLettersTable([{ letter, replayed: '2025-01-01T00:00:00.000Z' }]).split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[2]!, new RegExp(`^\\| ${letter.dead_letter_id} \\| g \\| insitu.turns/2@41 \\| a b \\| failed \\| 3 \\| TypeError: boom again \\| .* \\| 2025-01-01T00:00:00.000Z \\|$`));
    assert.equal(deadLettersTable([]).split('\n').length, 2);
  });
  test('error messages lose secrets and are bounded', () => {
    assert.deepEqual(describeDeadError(new TypeError(`key ${SECRET} refused`), [SECRET]), { name: 'TypeError', message: 'key [redacted] refused' });
    assert.ok(describeDeadError(new Error('x'.repeat(10_000))).message.length < 2100);
    const config = loadConfig({ INSITU_UPSTREAM_API_KEY: SECRET, INSITU_JUDGE_URL: 'http://127.0.0.1:1/v1', INSITU_JUDGE_MODEL: 'j', INSITU_JUDGE_API_KEY: 'judge-key-5678', INSITU_REDIS_URL: 'redis://:redis-pass@127.0.0.1:6379' });
    assert.deepEqual(configSecrets(config).sort(), ['judge-key-5678', 'redis-pass', SECRET].sort());
  });
  test('infrastructure failures are transient; failures about the record are not', () => {
    assert.equal(isTransientFailure(new StateError('redis get failed', { retriable: true })), true);
    assert.equal(isTransientFailure(new StateError('index kept changing')), true);
    assert.equal(isTransientFailure(new BusError('publish failed', { retriable: true })), true);
    assert.equal(isTransientFailure(new InsituError('judge unavailable', { retriable: true })), true);
    assert.equal(isTransientFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), true);
    assert.equal(isTransientFailure(new RecordRejectedError('too large')), false);
    assert.equal(isTransientFailure(new SyntaxError('Unexpected token')), false);
    assert.equal(isTransientFailure(new InsituError('bad input')), false);
  });
});

function turn(conversationId: string, index: number, messages: { role: string; content: string }[], answer: string): TurnEvent {
  return {
    schema: 'insitu.turn', version: 1, turn_id: `turn_${ulid()}`, conversation_id: conversationId, turn_index: index, stitch: index ? 'derived' : 'new',
    tenant: 'default', user: 'u1', model_requested: 'm', model_served: 'm', request: { messages, params: {} },
    assistant: { role: 'assistant', content: answer }, finish_reason: 'stop', usage: null, timings: { ttfb_ms: 1, total_ms: 2 },
    upstream_status: 200, stream: false, created_at: new Date().toISOString(),
  };
}

/** Two turns of one conversation: the second's user message is feedback on the first's answer. */
function exchange(conversationId: string): [TurnEvent, TurnEvent] {
  const q = [{ role: 'user', content: 'Capital of Australia?' }];
  return [
    turn(conversationId, 0, q, 'Sydney.'),
    turn(conversationId, 1, [...q, { role: 'assistant', content: 'Sydney.' }, { role: 'user', content: "No, that's wrong, it is Canberra." }], 'Canberra, sorry.'),
  ];
}

const turnRecord = (t: TurnEvent) => ({ topic: TOPICS.turns, key: t.conversation_id, value: JSON.stringify(t) });

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function deadLettersEndToEnd(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'insitu-dlq-'));
  const config = loadConfig({ INSITU_DATA_DIR: dataDir, INSITU_BUS_PARTITIONS: '1', INSITU_DLQ_MAX_ATTEMPTS: '2', INSITU_UPSTREAM_API_KEY: SECRET, ...env });
  const runtime = await openRuntime(config, silentLogger);
  const run = randomBytes(4).toString('hex');
  const conv = (name: string) => `conv_${name}_${run}`;
  const letters: DeadLetter[] = [];
  const feedback: FeedbackEvent[] = [];
  const turnsSeen: DeliveredRecord[] = [];
  const starting = startFeedbackDetector(runtime); // joins its group while the readers join theirs
  const readers = await Promise.all([
    runtime.bus.subscribe({
      group: `dlq-reader-${run}`, topics: [TOPICS.dlq], fromBeginning: true, ephemeral: true,
      handler: async (records) => {
        for (const r of records) {
          const parsed = JSON.parse(r.value);
          assert.equal(validateDeadLetter(parsed).ok, true, JSON.stringify(validateDeadLetter(parsed)));
          assert.equal(r.key, parsed.original.key);
          letters.push(parsed);
        }
      },
    }),
    runtime.bus.subscribe({ group: `fb-reader-${run}`, topics: [TOPICS.feedback], fromBeginning: true, ephemeral: true, handler: async (records) => void feedback.push(...records.map((r) => JSON.parse(r.value))) }),
    runtime.bus.subscribe({ group: `turn-reader-${run}`, topics: [TOPICS.turns], fromBeginning: true, ephemeral: true, handler: async (records) => void turnsSeen.push(...records) }),
  ]);
  const lettersOf = (key: string) => [...new Map(letters.filter((l) => l.original.key === key).map((l) => [l.dead_letter_id, l])).values()];
  const judged = (t: TurnEvent) => feedback.some((f) => f.feedback_turn_id === t.turn_id);
  let detector = await starting;
  const closers: (() => Promise<void>)[] = [];
  try {
    // Unreadable turns go to the DLQ at once; the good turns after them are judged.
    const [g0, g1] = exchange(conv('good'));
    await runtime.bus.publish([
      { topic: TOPICS.turns, key: conv('garbage'), value: 'not json {', headers: { 'x-origin': 'test' } },
      { topic: TOPICS.turns, key: conv('invalid'), value: JSON.stringify({ schema: 'insitu.turn', version: 1, turn_id: 'nope' }) },
      turnRecord(g0),
      turnRecord(g1),
    ]);
    await until('feedback on the good conversation', () => judged(g1));
    await until('two dead letters', () => lettersOf(conv('garbage')).length + lettersOf(conv('invalid')).length === 2);
    const [garbage] = lettersOf(conv('garbage'));
    assert.equal(garbage!.reason, 'unparseable');
    assert.equal(garbage!.group, FEEDBACK_DETECTOR_GROUP);
    assert.equal(garbage!.original.value, 'not json {');
    assert.equal(garbage!.original.topic, TOPICS.turns);
    assert.equal(garbage!.original.headers['x-origin'], 'test');
    assert.equal(garbage!.attempts, 1);
    const [invalid] = lettersOf(conv('invalid'));
    assert.equal(invalid!.reason, 'invalid');
    // Counted where published, for /metrics.
    assert.match(runtime.metrics.render(), new RegExp(`insitu_dead_letters_total\\{group="${FEEDBACK_DETECTOR_GROUP.replace(/\./g, '\\.')}",reason="unparseable"\\} [1-9]`));
    assert.match(invalid!.error.message, /not a valid TurnEvent: .*conversation_id/);

    // A turn whose handling throws every time: its conversation's remembered turn in state is not JSON.
    const [p0, p1] = exchange(conv('poison'));
    await runtime.bus.publish([turnRecord(p0)]);
    const pKey = memoryKey('default', conv('poison'));
    let remembered: string | null = null;
    await until('the first poison turn remembered', async () => (remembered = await runtime.state.get(pKey)) !== null);
    await runtime.state.set(pKey, SECRET); // JSON.parse's message quotes the text: the secret must not reach the DLQ
    const [h0, h1] = exchange(conv('after'));
    await runtime.bus.publish([turnRecord(p1), turnRecord(h0), turnRecord(h1)]);
    await until('the turns after the poison one judged', () => judged(h1));
    await until('the poison turn dead-lettered', () => lettersOf(conv('poison')).length > 0);
    const [poison] = lettersOf(conv('poison'));
    assert.equal(poison!.reason, 'failed');
    assert.equal(poison!.attempts, 2);
    assert.equal(poison!.error.name, 'SyntaxError');
    assert.match(poison!.error.message, /not valid JSON/);
    assert.match(poison!.error.message, /\[redacted\]/);
    assert.ok(!JSON.stringify(poison).includes(SECRET), 'the secret reached the dead letter');
    assert.equal(JSON.parse(poison!.original.value).turn_id, p1.turn_id);
    assert.equal(judged(p1), false);

    // The state store is down: the consumer retries the batch well past the limit and dead-letters nothing.
    await detector.close();
    const deadState = createRedisState({ url: `redis://127.0.0.1:${await closedPort()}`, commandTimeoutMs: 200, logger: silentLogger });
    closers.push(() => deadState.close());
    const lines: string[] = [];
    const watching = createLogger({ level: 'warn', write: (line) => void lines.push(line) });
    const broken = await startFeedbackDetector({ ...runtime, state: deadState, logger: watching });
    closers.push(() => broken.close());
    const [o0, o1] = exchange(conv('outage'));
    await runtime.bus.publish([turnRecord(o0), turnRecord(o1)]);
    await until('five failed batches', () => lines.filter((l) => l.includes('batch failed; retrying') && l.includes('StateError')).length >= 5);
    await broken.close();
    closers.pop();
    assert.deepEqual(lettersOf(conv('outage')), []);
    assert.equal(lines.some((l) => l.includes('dead-letter')), false);
    // State is back: the same turns are judged, still nothing dead-lettered.
    detector = await startFeedbackDetector(runtime);
    await until('the outage turns judged once state is back', () => judged(o1));
    assert.deepEqual(lettersOf(conv('outage')), []);

    // The cause is fixed; `insitu dlq replay` re-publishes the poison turn and the detector judges it.
    await runtime.state.set(pKey, remembered!);
    const out: string[] = [];
    const io = { config, logger: silentLogger, runtime, out: (t: string) => void out.push(t), err: () => undefined };
    await dlqCommand(['replay', '--group', FEEDBACK_DETECTOR_GROUP, '--id', poison!.dead_letter_id], io);
    assert.match(out.join(''), new RegExp(`replayed ${poison!.dead_letter_id} .*-> ${TOPICS.turns}/0@${poison!.original.offset}`));
    assert.match(out.join(''), /1 dead letter\(s\) replayed, 0 skipped/);
    await until('the replayed turn judged', () => judged(p1));
    const replayed = turnsSeen.filter((r) => r.headers[REPLAYED_FROM_HEADER] === poison!.dead_letter_id);
    assert.equal(replayed.length, 1);
    assert.equal(replayed[0]!.key, conv('poison'));
    assert.equal(JSON.parse(replayed[0]!.value).turn_id, p1.turn_id);
    assert.equal(lettersOf(conv('poison')).length, 1);

    // A second replay skips it (marked), unless forced; list shows what is there (both at once: each reads the DLQ).
    const again: string[] = [];
    const listing: string[] = [];
    await Promise.all([
      dlqCommand(['replay', '--id', poison!.dead_letter_id], { ...io, out: (t: string) => void again.push(t) }),
      dlqCommand(['list', '--group', FEEDBACK_DETECTOR_GROUP, '--json'], { ...io, out: (t: string) => void listing.push(t) }),
    ]);
    assert.match(again.join(''), new RegExp(`skipped ${poison!.dead_letter_id}: already replayed`));
    assert.match(again.join(''), /0 dead letter\(s\) replayed, 1 skipped/);
    const listed = (JSON.parse(listing.join('')) as DeadLetter[]).map((l) => l.dead_letter_id);
    for (const l of [garbage!, invalid!, poison!]) assert.ok(listed.includes(l.dead_letter_id), `${l.dead_letter_id} not listed`);
    await assert.rejects(dlqCommand(['replay', '--limit', '0'], io), /--limit needs a positive integer/);
    await assert.rejects(dlqCommand(['purge'], io), /dlq needs list or replay/);
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await detector.close();
    for (const r of readers) await r.close();
    await runtime.close();
  }
}

onBothRuntimes('dead letters and replay with the feedback detector', deadLettersEndToEnd);
