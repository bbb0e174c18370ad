// Backfill (`insitu ingest`): historical conversations become the TurnEvents the proxy would have recorded,
// with original timestamps, through insitu.turns on both runtimes; the detector judges them like live turns;
// a rerun resumes from its checkpoint and publishes nothing twice.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startFeedbackDetector } from '../consumers/feedback-detector/runner.js';
import type { DeliveredRecord } from '../src/bus/types.js';
import { loadConfig } from '../src/config.js';
import type { FeedbackEvent } from '../src/events/feedback.js';
import type { TurnEvent } from '../src/events/turn.js';
import { validateTurnEvent } from '../src/events/validate.js';
import { readHistoricalConversation, timestampOf } from '../src/ingest/read.js';
import { createProgressLine } from '../src/cli/progress.js';
import { checkpointFile, ingestCorpus, type IngestProgress } from '../src/ingest/run.js';
import { historicalTurns } from '../src/ingest/turns.js';
import { silentLogger } from '../src/log.js';
import { openRuntime } from '../src/runtime.js';
import { TOPICS } from '../src/topics.js';
import { settle } from './support/insitu.js';
import { onBothRuntimes } from './support/runtimes.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

const wildchat = (id: string, at: string, turns: [string, string][], extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    conversation_hash: id,
    model: 'gpt-4-0314',
    timestamp: at,
    hashed_ip: `ip-${id}`,
    toxic: false,
    conversation: turns.flatMap(([u, a], i) => [
      { role: 'user', content: u, timestamp: new Date(Date.parse(at) + i * 60_000).toISOString() },
      { role: 'assistant', content: a, timestamp: new Date(Date.parse(at) + i * 60_000 + 5000).toISOString() },
    ]),
    ...extra,
  });

const CORPUS = [
  wildchat('c1', '2023-05-01T10:00:00Z', [
    ['How do I sort a list in Python?', 'Use sorted(list) or list.sort().'],
    ["No, that's wrong, I asked about sorting in reverse.", 'Use sorted(list, reverse=True).'],
  ]),
  '{not json',
  wildchat('c2', '2023-05-02T11:00:00Z', [['Write a haiku about rain.', 'Soft rain on the roof...']]),
  JSON.stringify({ conversation_id: 'c3', messages: [{ role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'Hi, what is 2+2?' }, { role: 'assistant', content: '4' }] }),
].join('\n');

describe('historical conversations as turns', () => {
  test('aliases, timestamps in every common form, unknown fields ignored', () => {
    assert.equal(timestampOf('2023-05-01T10:00:00Z'), Date.UTC(2023, 4, 1, 10));
    assert.equal(timestampOf(1_682_935_200), 1_682_935_200_000);
    assert.equal(timestampOf(1_682_935_200_000), 1_682_935_200_000);
    assert.equal(timestampOf({ $date: '2023-05-01T10:00:00Z' }), Date.UTC(2023, 4, 1, 10));
    assert.equal(timestampOf('yesterday'), null);
    const c = readHistoricalConversation(CORPUS.split('\n')[0]!, 1)!;
    assert.equal(c.id, 'c1');
    assert.equal(c.model, 'gpt-4-0314');
    assert.equal(c.user, 'ip-c1');
    assert.equal(c.messages.length, 4);
    assert.equal(readHistoricalConversation('{not json', 2), null);
    assert.equal(readHistoricalConversation('{"conversation": 5}', 3), null);
    assert.equal(readHistoricalConversation(CORPUS.split('\n')[3]!, 4)!.id, 'c3');
  });

  test('one valid TurnEvent per answered user message, original time, deterministic ids', () => {
    const c = readHistoricalConversation(CORPUS.split('\n')[0]!, 1)!;
    const turns = historicalTurns(c, { tenant: 'hist', fallbackAt: 0 });
    assert.equal(turns.length, 2);
    for (const t of turns) assert.equal(validateTurnEvent(JSON.parse(JSON.stringify(t))).ok, true, JSON.stringify(validateTurnEvent(t)));
    assert.equal(turns[0]!.created_at, '2023-05-01T10:00:05.000Z');
    assert.equal(turns[1]!.turn_index, 1);
    assert.equal(turns[1]!.request.messages.length, 3);
    assert.equal(turns[1]!.assistant?.content, 'Use sorted(list, reverse=True).');
    assert.deepEqual(historicalTurns(c, { tenant: 'hist', fallbackAt: 0 }).map((t) => t.turn_id), turns.map((t) => t.turn_id));
    assert.notDeepEqual(historicalTurns(c, { tenant: 'other', fallbackAt: 0 }).map((t) => t.turn_id), turns.map((t) => t.turn_id));
    // A greeting before the first user message is context, not a turn.
    const c3 = historicalTurns(readHistoricalConversation(CORPUS.split('\n')[3]!, 4)!, { tenant: 'hist', fallbackAt: Date.UTC(2024, 0, 1) });
    assert.equal(c3.length, 1);
    assert.equal(c3[0]!.created_at, '2024-01-01T00:00:00.000Z');
  });
});

onBothRuntimes('insitu ingest through insitu.turns', async (env) => {
  const dir = mkdtempSync(join(tmpdir(), 'insitu-ingest-'));
  const input = join(dir, 'wildchat.jsonl');
  writeFileSync(input, CORPUS);
  const tenant = `hist-${randomBytes(4).toString('hex')}`;
  const runtime = await openRuntime(loadConfig({ ...env, INSITU_DATA_DIR: join(dir, 'data') }), silentLogger);
  const turns: DeliveredRecord[] = [];
  const feedback: FeedbackEvent[] = [];
  const reader = await runtime.bus.subscribe({
    group: `ingest-reader-${randomBytes(4).toString('hex')}`, topics: [TOPICS.turns, TOPICS.feedback], fromBeginning: true, ephemeral: true,
    handler: async (records) => {
      for (const r of records) {
        if (r.topic === TOPICS.turns) turns.push(r);
        else feedback.push(JSON.parse(r.value));
      }
    },
  });
  const detector = await startFeedbackDetector(runtime);
  try {
    const first = await ingestCorpus({ input, bus: runtime.bus, dataDir: join(dir, 'data'), tenant, batchSize: 2 });
    assert.equal(first.conversations, 3);
    assert.equal(first.turns, 4);
    assert.equal(first.skipped, 1);
    assert.equal(first.line, 4);
    assert.ok(existsSync(checkpointFile(join(dir, 'data'), input, tenant)));
    for (let i = 0; i < 200 && (turns.length < 4 || feedback.length < 1); i++) await settle(50);
    assert.equal(turns.length, 4);
    for (const r of turns) {
      const t = JSON.parse(r.value) as TurnEvent;
      assert.equal(r.key, t.conversation_id);
      assert.equal(r.timestamp, Date.parse(t.created_at), 'the bus record keeps the original time');
      assert.equal(t.tenant, tenant);
    }
    // The detector judged the historical follow-up as it would a live one.
    assert.equal(feedback.length, 1);
    assert.equal(feedback[0]!.polarity, 'DSAT');
    assert.equal(feedback[0]!.conversation_id, 'c1');

    // A rerun resumes from the checkpoint: nothing new is published.
    const again = await ingestCorpus({ input, bus: runtime.bus, dataDir: join(dir, 'data'), tenant });
    assert.equal(again.resumedFrom, 4);
    await settle(500);
    assert.equal(turns.length, 4);
    // --restart replays every line with the same ids: the detector recognises them and says nothing new.
    const restarted = await ingestCorpus({ input, bus: runtime.bus, dataDir: join(dir, 'data'), tenant, restart: true });
    assert.equal(restarted.resumedFrom, 0);
    for (let i = 0; i < 100 && turns.length < 8; i++) await settle(50);
    assert.equal(new Set(turns.map((r) => r.headers['insitu-event-id'])).size, 4);
    await settle(500);
    assert.equal(feedback.length, 1);

    // Interrupted mid-file (the bus fails on the second batch): the rerun resumes after the last published
    // batch, publishes the rest once, and its rate and ETA count only its own work.
    const partialTenant = `${tenant}-partial`;
    let publishes = 0;
    const failing = { ...runtime.bus, publish: async (records: Parameters<typeof runtime.bus.publish>[0]) => {
      if (++publishes === 2) throw new Error('broker went away');
      return runtime.bus.publish(records);
    } };
    await assert.rejects(ingestCorpus({ input, bus: failing, dataDir: join(dir, 'data'), tenant: partialTenant, batchSize: 2 }), /broker went away/);
    const samples: IngestProgress[] = [];
    const resumed = await ingestCorpus({ input, bus: runtime.bus, dataDir: join(dir, 'data'), tenant: partialTenant, batchSize: 2, progress: (p) => samples.push(p) });
    assert.ok(resumed.resumedFrom > 0 && resumed.resumedFrom < 4, `resumed from line ${resumed.resumedFrom}`);
    assert.equal(resumed.turns, 4, 'the checkpoint counts every turn once');
    const ofPartial = () => turns.filter((r) => (JSON.parse(r.value) as TurnEvent).tenant === partialTenant);
    for (let i = 0; i < 200 && ofPartial().length < 4; i++) await settle(50);
    await settle(300);
    assert.equal(new Set(ofPartial().map((r) => r.headers['insitu-event-id'])).size, 4);
    assert.equal(ofPartial().length, 4, 'no turn published twice across the interrupted run and its resumption');
    for (const p of samples) assert.ok(p.turnsThisRun < p.turns && p.startBytes > 0, JSON.stringify(p));
  } finally {
    await detector.close();
    await reader.close();
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('progress line', () => {
  test("a resumed run's ETA and rate count only its own work", () => {
    const written: string[] = [];
    const stream = { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const line = createProgressLine(stream);
    // half the file was done by an earlier run; this run did 10 % more of the file in 1 s, 100 turns
    line.update({ bytes: 60, totalBytes: 100, startBytes: 50, seconds: 1, rate: { count: 100, unit: 'turns/s' }, detail: 'x' });
    assert.match(written[0]!, /60\.0%/);
    assert.match(written[0]!, /100 turns\/s/);
    assert.match(written[0]!, /ETA 4s/, written[0]);
  });
});

describe('insitu ingest (CLI)', () => {
  test('prints what it replayed and where its checkpoint is; refuses a missing file with exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'insitu-ingest-cli-'));
    try {
      const input = join(dir, 'in.jsonl');
      writeFileSync(input, CORPUS);
      const env = { ...process.env, INSITU_DATA_DIR: join(dir, 'data'), INSITU_LOG_LEVEL: 'error', INSITU_KAFKA_BROKERS: '', INSITU_REDIS_URL: '' };
      const { stdout } = await run(process.execPath, [MAIN, 'ingest', '--input', input, '--tenant', 'cli'], { env });
      assert.match(stdout, /ingested 3 conversations as 4 turns into insitu\.turns for tenant cli/);
      assert.match(stdout, /1 unreadable lines skipped/);
      const rerun = await run(process.execPath, [MAIN, 'ingest', '--input', input, '--tenant', 'cli'], { env });
      assert.match(rerun.stdout, /ingested 3 conversations .*\(resumed after line 4\)/);
      const missing = await run(process.execPath, [MAIN, 'ingest', '--input', join(dir, 'nope.jsonl')], { env }).catch((e: { code: number; stderr: string }) => e);
      assert.equal((missing as { code: number }).code, 2);
      assert.match((missing as { stderr: string }).stderr, /no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
