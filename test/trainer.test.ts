// The trainer: the pure parts (cron, policy, split, driver), the leader lease on memory and on real Redis, the
// job store, the dataset snapshot on disk, and the trainer consumer on the embedded runtime with memory state:
// pairs in -> policy -> one job (even with two replicas) -> queued, running sft, running dpo, succeeded on
// insitu.training; retries; resuming a job after a restart; `insitu train --now --wait` and `insitu jobs`.
// The training backend is a small scripted TrainingBackend written here (the real backends have their own
// tests against a simulated provider).
import { tempDirs } from './support/temp-dirs.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StageHandle, StageRequest, StageStatus, TrainingBackend } from '../consumers/trainer/backend.js';
import { SNAPSHOT_FILES } from '../consumers/trainer/backend.js';
import { CronError, nextFire } from '../src/cron.js';
import { hyperparametersFrom, newJob, nextAction, step, type Observation } from '../consumers/trainer/driver.js';
import { createJobStore, trainerKeys, type TrainingJob } from '../consumers/trainer/jobs.js';
import { createLease } from '../consumers/trainer/lease.js';
import { shouldTrain } from '../consumers/trainer/policy.js';
import { cancelJob, listJobs, NothingToTrainError, runTrainingNow, startTrainer, TrainerBusyError, type RunningTrainer } from '../consumers/trainer/runner.js';
import { splitPairs, trainExamples, writeSnapshot } from '../consumers/trainer/snapshot.js';
import { jobsCommand, trainCommand } from '../src/cli/train.js';
import { UsageError } from '../src/cli/args.js';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { validateOpenAIDpoLine } from '../src/dataset/export/openai-dpo.js';
import { validateSftLine } from '../src/dataset/export/sft.js';
import { createDatasetStore } from '../src/dataset/store.js';
import type { ChatMessage } from '../src/events/chat.js';
import type { TrainingExample } from '../src/events/example.js';
import type { PreferencePair } from '../src/events/preference.js';
import type { TrainingDataset, TrainingEvent } from '../src/events/training.js';
import { validatePreferencePair, validateTrainingEvent, validateTrainingExample } from '../src/events/validate.js';
import { digest } from '../src/ids.js';
import { silentLogger } from '../src/log.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { createMemoryState } from '../src/state/memory.js';
import { createRedisState } from '../src/state/redis.js';
import type { StateStore } from '../src/state/types.js';
import { TOPICS } from '../src/topics.js';

const tempDir = tempDirs('trainer-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// ---- fixtures: small valid events ----

const PROMPT: ChatMessage[] = [
  { role: 'system', content: 'You are a concise assistant.' },
  { role: 'user', content: 'Write a haiku about autumn.' },
];

function pair(n: number, where: { conversation?: string; user?: string | null; tenant?: string; accepted?: boolean } = {}): PreferencePair {
  const value: PreferencePair = {
    schema: 'insitu.preference', version: 1, pair_id: `pp_${digest(`trainer-pair-${n}-${where.conversation ?? ''}`)}`, conversation_id: where.conversation ?? `conv_${n}`,
    tenant: where.tenant ?? 'acme', user: where.user === undefined ? `user_${n}` : where.user, rejected_turn_id: `turn_r${n}`, feedback_turn_id: `turn_f${n}`,
    chosen_turn_id: `turn_c${n}`, prompt: PROMPT, chosen: { role: 'assistant', content: `Leaves fall, gold. (${n})` },
    rejected: { role: 'assistant', content: `A very long poem about leaves falling in autumn. (${n})` }, preferences: ['The user prefers short poems.'],
    feedback: [{ feedback_id: `fb_${n}`, polarity: 'DSAT', satisfaction: [], dissatisfaction: ['style'], evidence: 'shorter please' }],
    mode: 'in-situ', models: { rejected: 'm', chosen: 'm', preferences: 'local', judge: null }, filters: [{ filter: 'length', verdict: 'pass', detail: null }],
    accepted: where.accepted ?? true, created_at: '2024-05-01T10:00:00.000Z',
  };
  const valid = validatePreferencePair(value);
  assert.ok(valid.ok, JSON.stringify(valid));
  return value;
}

function sftExample(n: number, where: { conversation: string; user: string | null }): TrainingExample {
  const value: TrainingExample = {
    schema: 'insitu.example', version: 1, example_id: `sft_${digest(`trainer-sft-${n}`)}`, kind: 'sft', conversation_id: where.conversation, tenant: 'acme',
    user: where.user, turn_id: `turn_s${n}`, feedback_id: `fb_s${n}`, prompt: PROMPT, response: { role: 'assistant', content: `A fine answer (${n}).` },
    follow_up: null, labels: { state: 'FEEDBACK', polarity: 'SAT', satisfaction: ['gratitude'], dissatisfaction: [] }, model: 'm', filters: [], accepted: true,
    created_at: '2024-05-01T10:00:00.000Z',
  };
  const valid = validateTrainingExample(value);
  assert.ok(valid.ok, JSON.stringify(valid));
  return value;
}

/** A deterministic pseudo-random generator (mulberry32) for the property tests. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- cron ----

describe('cron', () => {
  const at = (iso: string) => new Date(iso);
  const next = (expr: string, after: string) => nextFire(expr, at(after)).toISOString();

  test('steps, lists and ranges, strictly after the given time', () => {
    assert.equal(next('*/15 * * * *', '2024-05-01T10:07:30Z'), '2024-05-01T10:15:00.000Z');
    assert.equal(next('*/15 * * * *', '2024-05-01T10:15:00Z'), '2024-05-01T10:30:00.000Z');
    assert.equal(next('0 3 * * *', '2024-05-01T03:00:00Z'), '2024-05-02T03:00:00.000Z');
    assert.equal(next('5,40 1-3 * * *', '2024-05-01T01:41:00Z'), '2024-05-01T02:05:00.000Z');
    assert.equal(next('0 1-10/3 * * *', '2024-05-01T04:30:00Z'), '2024-05-01T07:00:00.000Z');
    assert.equal(next('30 23 31 12 *', '2024-05-01T00:00:00Z'), '2024-12-31T23:30:00.000Z');
    assert.equal(next('0 0 1 */4 *', '2024-05-01T00:00:00Z'), '2024-09-01T00:00:00.000Z');
  });

  test('day of week: 0 and 7 are Sunday; 1 is Monday', () => {
    // 2024-05-01 is a Wednesday.
    assert.equal(next('0 3 * * 1', '2024-05-01T12:00:00Z'), '2024-05-06T03:00:00.000Z');
    assert.equal(next('0 0 * * 7', '2024-05-01T12:00:00Z'), '2024-05-05T00:00:00.000Z');
    assert.equal(next('0 0 * * 0', '2024-05-01T12:00:00Z'), '2024-05-05T00:00:00.000Z');
  });

  test('both day fields restricted: either matches (Vixie cron); one restricted: only it counts', () => {
    // The 13th, or any Friday: Friday 2024-05-03 comes before the 13th.
    assert.equal(next('0 0 13 * 5', '2024-05-01T12:00:00Z'), '2024-05-03T00:00:00.000Z');
    assert.equal(next('0 0 13 * 5', '2024-05-10T12:00:00Z'), '2024-05-13T00:00:00.000Z');
    assert.equal(next('0 0 13 * *', '2024-05-01T12:00:00Z'), '2024-05-13T00:00:00.000Z');
    assert.equal(next('0 0 * * 5', '2024-05-11T12:00:00Z'), '2024-05-17T00:00:00.000Z');
    assert.equal(next('0 0 29 2 *', '2024-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  });

  test('bad expressions fail with a clear CronError', () => {
    const bad: [string, RegExp][] = [
      ['* * * *', /expected 5 fields/],
      ['', /expected 5 fields/],
      ['60 * * * *', /minute 60 is outside 0-59/],
      ['* 24 * * *', /hour 24/],
      ['* * 0 * *', /day of month 0/],
      ['* * * 13 *', /month 13/],
      ['* * * * 8', /day of week 8/],
      ['5-1 * * * *', /runs backwards/],
      ['*/0 * * * *', /outside/],
      ['a * * * *', /not a number/],
      ['1-2-3 * * * *', /bad minute range/],
      ['0 0 30 2 *', /never fires/],
    ];
    for (const [expr, message] of bad) assert.throws(() => nextFire(expr, new Date('2024-05-01T00:00:00Z')), (e: unknown) => e instanceof CronError && message.test(e.message), expr);
  });

  test('INSITU_TRAIN_CRON is checked at config load: a ConfigError naming the variable and what is wrong', () => {
    const bad: [string, RegExp][] = [
      ['* * * *', /expected 5 fields/],
      ['   ', /expected 5 fields/],
      ['61 3 * * *', /minute 61 is outside 0-59/],
      ['0 3 * * mon', /day of week 'mon' is not a number/],
      ['0 0 30 2 *', /never fires/],
      ['*/0 * * * *', /outside/],
    ];
    for (const [expr, message] of bad) {
      assert.throws(() => loadConfig({ INSITU_TRAIN_CRON: expr }), (e: unknown) => e instanceof ConfigError && e.variable === 'INSITU_TRAIN_CRON' && /^INSITU_TRAIN_CRON: cron '/.test(e.message) && message.test(e.message), expr);
    }
    assert.equal(loadConfig({ INSITU_TRAIN_CRON: ' 0 3 * * 1 ' }).training.cron, '0 3 * * 1');
    assert.equal(loadConfig({}).training.cron, undefined);
  });
});

// ---- policy ----

describe('policy', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  const hour = 3600_000;

  test('enough new pairs train', () => {
    assert.equal(shouldTrain({ newPairs: 100, lastRunAt: null, now, policy: { minPairs: 100 }, cronLastFire: null }).train, true);
    assert.equal(shouldTrain({ newPairs: 99, lastRunAt: null, now, policy: { minPairs: 100 }, cronLastFire: null }).train, false);
  });

  test('the interval trains when it elapsed and there is at least one new pair', () => {
    const policy = { minPairs: 100, intervalMs: 24 * hour };
    assert.equal(shouldTrain({ newPairs: 1, lastRunAt: now - 24 * hour, now, policy, cronLastFire: null }).train, true);
    assert.equal(shouldTrain({ newPairs: 1, lastRunAt: now - 23 * hour, now, policy, cronLastFire: null }).train, false);
    assert.equal(shouldTrain({ newPairs: 0, lastRunAt: now - 48 * hour, now, policy, cronLastFire: null }).train, false);
    assert.equal(shouldTrain({ newPairs: 5, lastRunAt: null, now, policy, cronLastFire: null }).train, false);
  });

  test('a cron fire since the last check trains when there are new pairs', () => {
    const policy = { minPairs: 100, cron: '0 3 * * *' };
    const yesterdayNoon = now - 24 * hour;
    const d = shouldTrain({ newPairs: 3, lastRunAt: null, now, policy, cronLastFire: yesterdayNoon });
    assert.equal(d.train, true);
    assert.match(d.reason, /2024-05-01T03:00:00.000Z/);
    assert.equal(shouldTrain({ newPairs: 3, lastRunAt: null, now, policy, cronLastFire: now - hour }).train, false);
    assert.equal(shouldTrain({ newPairs: 0, lastRunAt: null, now, policy, cronLastFire: yesterdayNoon }).train, false);
  });
});

// ---- split ----

describe('train/test split', () => {
  const key = (p: PreferencePair) => ({ c: `${p.tenant}:${p.conversation_id}`, u: p.user === null ? null : `${p.tenant}:${p.user}` });

  function assertDisjoint(train: PreferencePair[], test: PreferencePair[]) {
    const trainConversations = new Set(train.map((p) => key(p).c));
    const trainUsers = new Set(train.map((p) => key(p).u).filter((u) => u !== null));
    for (const p of test) {
      assert.ok(!trainConversations.has(key(p).c), `conversation ${key(p).c} on both sides`);
      if (key(p).u !== null) assert.ok(!trainUsers.has(key(p).u!), `user ${key(p).u} on both sides`);
    }
  }

  test('property: no user or conversation on both sides, the same split for any order, both sides non-empty', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = random(seed);
      const pairs = Array.from({ length: 5 + Math.floor(rnd() * 60) }, (_, n) => {
        const user = rnd() < 0.2 ? null : `u${Math.floor(rnd() * 12)}`;
        return pair(n, { conversation: `conv_${Math.floor(rnd() * 25)}`, user, tenant: rnd() < 0.2 ? 'other' : 'acme' });
      });
      const fraction = [0.1, 0.3, 0.5][seed % 3]!;
      const split = splitPairs(pairs, fraction);
      assert.equal(split.train.length + split.test.length, pairs.length);
      assertDisjoint(split.train, split.test);
      assert.ok(split.train.length > 0, `seed ${seed}: train is empty`);
      if (split.components >= 2) assert.ok(split.test.length > 0, `seed ${seed}: test is empty with ${split.components} components`);
      const shuffled = [...pairs].sort(() => rnd() - 0.5);
      const again = splitPairs(shuffled, fraction);
      assert.deepEqual(new Set(again.test.map((p) => p.pair_id)), new Set(split.test.map((p) => p.pair_id)), `seed ${seed}: split depends on order`);
    }
  });

  test('a user shared by two conversations pulls both to the same side; one component stays in train', () => {
    const pairs = [pair(1, { conversation: 'conv_a', user: 'ann' }), pair(2, { conversation: 'conv_b', user: 'ann' }), pair(3, { conversation: 'conv_b', user: 'bob' })];
    const split = splitPairs(pairs, 0.9);
    assert.equal(split.components, 1);
    assert.equal(split.train.length, 3);
    assert.equal(split.test.length, 0);
  });

  test('a fraction of 1 still leaves train one component; users are per tenant', () => {
    const pairs = [pair(1, { user: 'ann', tenant: 'a' }), pair(2, { user: 'ann', tenant: 'b' }), pair(3, { user: 'cid', tenant: 'a' })];
    const split = splitPairs(pairs, 1);
    assert.equal(split.components, 3);
    assert.equal(split.train.length, 1);
    assert.equal(split.test.length, 2);
  });

  test('SFT examples of a test conversation or user are dropped from train', () => {
    const pairs = Array.from({ length: 20 }, (_, n) => pair(n));
    const split = splitPairs(pairs, 0.3);
    const testPair = split.test[0]!;
    const trainPair = split.train[0]!;
    const examples = [
      sftExample(1, { conversation: testPair.conversation_id, user: null }),
      sftExample(2, { conversation: 'conv_elsewhere', user: testPair.user }),
      sftExample(3, { conversation: trainPair.conversation_id, user: trainPair.user }),
      sftExample(4, { conversation: 'conv_new', user: null }),
    ];
    assert.deepEqual(trainExamples(examples, split.testKeys).map((e) => e.turn_id), ['turn_s3', 'turn_s4']);
  });
});

// ---- snapshot files ----

describe('snapshot', () => {
  test('writes the split, SFT and DPO files and the manifest; no test conversation in any training file', async () => {
    const dataDir = tempDir('snapshot');
    const pairs = [...Array.from({ length: 12 }, (_, n) => pair(n)), pair(50, { accepted: false })];
    const examples = [sftExample(1, { conversation: 'conv_1', user: 'user_1' }), sftExample(2, { conversation: 'conv_x', user: null })];
    await createDatasetStore({ dataDir }).append([...pairs, ...examples]);
    const hyperparameters = hyperparametersFrom(loadConfig({}).training);
    const { dataset } = await writeSnapshot({ dataDir, jobId: 'job_test', testFraction: 0.3, hyperparameters });
    const dir = join(dataDir, 'training', 'job_test');
    assert.equal(dataset.snapshot_dir, dir);
    for (const file of Object.values(SNAPSHOT_FILES)) assert.ok(existsSync(join(dir, file)), file);
    const lines = (file: string) => readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const train = lines(SNAPSHOT_FILES.trainPairs) as unknown as PreferencePair[];
    const test = lines(SNAPSHOT_FILES.testPairs) as unknown as PreferencePair[];
    assert.equal(train.length + test.length, 12, 'the not-accepted pair is left out');
    assert.equal(dataset.train_pairs, train.length);
    assert.equal(dataset.test_pairs, test.length);
    assert.ok(test.length > 0 && train.length > 0);
    const testContent = new Set(test.map((p) => p.chosen.content));
    const dpo = lines(SNAPSHOT_FILES.dpo);
    assert.equal(dpo.length, train.length);
    for (const line of dpo) assert.deepEqual(validateOpenAIDpoLine(line), []);
    const sft = lines(SNAPSHOT_FILES.sft);
    for (const line of sft) assert.deepEqual(validateSftLine(line), []);
    const sftAnswers = sft.map((l) => (l.messages as ChatMessage[]).at(-1)!.content);
    for (const answer of sftAnswers) assert.ok(!testContent.has(answer), `test answer ${answer} in sft.jsonl`);
    const example1Kept = !test.some((p) => p.conversation_id === 'conv_1');
    assert.equal(sftAnswers.includes('A fine answer (1).'), example1Kept);
    assert.ok(sftAnswers.includes('A fine answer (2).'));
    assert.equal(dataset.sft_examples, example1Kept ? 2 : 1);
    assert.equal(sft.length, train.length + dataset.sft_examples);
    const manifest = JSON.parse(readFileSync(join(dir, SNAPSHOT_FILES.manifest), 'utf8')) as { dataset: TrainingDataset; job_id: string };
    assert.deepEqual(manifest.dataset, dataset);
    assert.equal(manifest.job_id, 'job_test');
  });
});

describe('snapshot scoped to tenants (INSITU_TRAIN_TENANTS)', () => {
  test("only the listed tenants' pairs and SFT examples are snapshotted, and the dataset names them", async () => {
    const dataDir = tempDir('snapshot-tenants');
    const pairs = [...Array.from({ length: 6 }, (_, n) => pair(n, { tenant: 'acme' })), ...Array.from({ length: 6 }, (_, n) => pair(100 + n, { tenant: 'globex' }))];
    await createDatasetStore({ dataDir }).append([...pairs, sftExample(1, { conversation: 'conv_x', user: null })]);
    const hyperparameters = hyperparametersFrom(loadConfig({}).training);
    const scoped = await writeSnapshot({ dataDir, jobId: 'job_acme', testFraction: 0.3, hyperparameters, tenants: ['acme'] });
    assert.equal(scoped.dataset.train_pairs + scoped.dataset.test_pairs, 6);
    assert.deepEqual(scoped.dataset.tenants, ['acme']);
    const trained = readFileSync(join(scoped.dataset.snapshot_dir, SNAPSHOT_FILES.trainPairs), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as PreferencePair);
    assert.ok(trained.every((p) => p.tenant === 'acme'));
    const none = await writeSnapshot({ dataDir, jobId: 'job_none', testFraction: 0.3, hyperparameters, tenants: ['initech'] });
    assert.equal(none.dataset.train_pairs, 0);
    const all = await writeSnapshot({ dataDir, jobId: 'job_all', testFraction: 0.3, hyperparameters });
    assert.deepEqual(all.dataset.tenants, ['acme', 'globex']);
    assert.equal(all.dataset.train_pairs + all.dataset.test_pairs, 12);
  });
  test('INSITU_TRAIN_TENANTS is parsed as a list of valid tenant names', () => {
    assert.deepEqual(loadConfig({ INSITU_TRAIN_TENANTS: ' acme, globex ,acme' }).training.tenants, ['acme', 'globex']);
    assert.deepEqual(loadConfig({}).training.tenants, []);
    assert.throws(() => loadConfig({ INSITU_TRAIN_TENANTS: 'acme,bad tenant' }), /INSITU_TRAIN_TENANTS/);
  });
});

// ---- driver ----

describe('driver', () => {
  const hyperparameters = hyperparametersFrom(loadConfig({}).training);
  const dataset: TrainingDataset = { snapshot_dir: '/tmp/x', train_pairs: 5, test_pairs: 2, sft_examples: 1, train_conversations: 5, test_conversations: 2 };
  const handle = (stage: string, attempt = 1): StageHandle => ({ backend: 'command', id: `run-${stage}-${attempt}`, details: {} });
  const fresh = () => newJob({ jobId: 'job_1', backend: 'command', baseModel: 'base', dataset, hyperparameters, reason: 'test', now: new Date('2024-05-01T00:00:00Z') });
  const valid = (events: TrainingEvent[]) => events.forEach((e) => assert.ok(validateTrainingEvent(e).ok, JSON.stringify(validateTrainingEvent(e))));
  const summary = (events: TrainingEvent[]) => events.map((e) => `${e.status}${e.stage ? `:${e.stage}` : ''}#${e.attempt}${e.status === 'failed' ? (e.retrying ? '+retry' : '-final') : ''}`);

  function toSucceeded(): { job: TrainingJob; events: TrainingEvent[] } {
    let s = fresh();
    const events = [...s.events];
    for (const o of [
      { kind: 'started', stage: 'sft', handle: handle('sft') },
      { kind: 'status', status: { state: 'running', metrics: { step: 1 } } },
      { kind: 'status', status: { state: 'succeeded', model: 'sft-model', metrics: { train_loss: 1.5 } } },
      { kind: 'started', stage: 'dpo', handle: handle('dpo') },
      { kind: 'status', status: { state: 'succeeded', model: 'dpo-model', metrics: { train_loss: 0.5 } } },
    ] as Observation[]) {
      s = step(s.job, o, { retries: 1 });
      events.push(...s.events);
    }
    return { job: s.job, events };
  }

  test('new job: queued, starts SFT on the base model, hyper-parameters from the config', () => {
    const s = fresh();
    valid(s.events);
    assert.deepEqual(summary(s.events), ['queued#1']);
    assert.deepEqual(s.action, { kind: 'start', stage: 'sft', model: 'base' });
    assert.equal(s.events[0]!.hyperparameters.sft.learning_rate, 5e-6);
    assert.equal(s.events[0]!.hyperparameters.dpo.beta, 0.1);
  });

  test('queued -> running sft -> (SFT model) -> running dpo -> succeeded with the DPO model as candidate', () => {
    let s = fresh();
    s = step(s.job, { kind: 'started', stage: 'sft', handle: handle('sft') }, { retries: 1 });
    assert.deepEqual(summary(s.events), ['running:sft#1']);
    assert.deepEqual(s.action, { kind: 'poll', handle: handle('sft') });
    s = step(s.job, { kind: 'status', status: { state: 'running', metrics: { step: 3 } } }, { retries: 1 });
    assert.deepEqual(s.events, [], 'a running poll publishes nothing');
    assert.equal(s.job.metrics.step, 3);
    s = step(s.job, { kind: 'status', status: { state: 'succeeded', model: 'sft-model', metrics: {} } }, { retries: 1 });
    assert.deepEqual(s.events, []);
    assert.deepEqual(s.action, { kind: 'start', stage: 'dpo', model: 'sft-model' }, 'DPO starts on the SFT model');
    assert.deepEqual(nextAction(s.job), s.action, 'the record alone says what comes next (resume)');
    s = step(s.job, { kind: 'started', stage: 'dpo', handle: handle('dpo') }, { retries: 1 });
    assert.deepEqual(summary(s.events), ['running:dpo#1']);
    s = step(s.job, { kind: 'status', status: { state: 'succeeded', model: 'dpo-model', metrics: { loss: 0.2 } } }, { retries: 1 });
    valid(s.events);
    assert.deepEqual(summary(s.events), ['succeeded#1']);
    assert.equal(s.events[0]!.candidate_model, 'dpo-model');
    assert.equal(s.job.status, 'succeeded');
    assert.deepEqual(s.action, { kind: 'done' });
    const all = toSucceeded().events;
    assert.equal(new Set(all.map((e) => e.event_id)).size, all.length, 'one id per step');
  });

  test('a re-done step keeps its event id', () => {
    const s = fresh();
    const a = step(s.job, { kind: 'started', stage: 'sft', handle: handle('sft') }, { retries: 1, now: new Date('2024-05-01T00:00:01Z') });
    const b = step(s.job, { kind: 'started', stage: 'sft', handle: handle('sft') }, { retries: 1, now: new Date('2024-05-01T00:00:09Z') });
    assert.equal(a.events[0]!.event_id, b.events[0]!.event_id);
  });

  test('a failed stage is retried as a new attempt from SFT while attempt <= retries, then fails for good', () => {
    let s = fresh();
    s = step(s.job, { kind: 'started', stage: 'sft', handle: handle('sft') }, { retries: 1 });
    s = step(s.job, { kind: 'status', status: { state: 'succeeded', model: 'sft-model', metrics: {} } }, { retries: 1 });
    s = step(s.job, { kind: 'started', stage: 'dpo', handle: handle('dpo') }, { retries: 1 });
    s = step(s.job, { kind: 'status', status: { state: 'failed', error: 'out of memory', metrics: {} } }, { retries: 1 });
    valid(s.events);
    assert.deepEqual(summary(s.events), ['failed:dpo#1+retry', 'queued#2']);
    assert.equal(s.events[0]!.error, 'out of memory');
    assert.equal(s.events[0]!.candidate_model, null);
    assert.deepEqual(s.action, { kind: 'start', stage: 'sft', model: 'base' }, 'the new attempt starts again from SFT');
    assert.equal(s.job.sft_model, null);
    s = step(s.job, { kind: 'started', stage: 'sft', handle: handle('sft', 2) }, { retries: 1 });
    assert.deepEqual(summary(s.events), ['running:sft#2']);
    s = step(s.job, { kind: 'status', status: { state: 'failed', error: 'again', metrics: {} } }, { retries: 1 });
    valid(s.events);
    assert.deepEqual(summary(s.events), ['failed:sft#2-final']);
    assert.equal(s.job.status, 'failed');
    assert.deepEqual(s.action, { kind: 'done' });
  });

  test('a refused start is a failure too; retries=0 fails at once', () => {
    const s = step(fresh().job, { kind: 'start-failed', stage: 'sft', error: 'bad file' }, { retries: 0 });
    assert.deepEqual(summary(s.events), ['failed:sft#1-final']);
    assert.equal(s.job.error, 'bad file');
    assert.deepEqual(s.action, { kind: 'done' });
  });

  test('cancelled by the backend or by the operator; a finished job takes no more steps', () => {
    let s = step(fresh().job, { kind: 'started', stage: 'sft', handle: handle('sft') }, { retries: 1 });
    const byBackend = step(s.job, { kind: 'status', status: { state: 'cancelled', metrics: {} } }, { retries: 1 });
    assert.deepEqual(summary(byBackend.events), ['cancelled#1']);
    assert.deepEqual(byBackend.action, { kind: 'done' });
    s = step(s.job, { kind: 'cancel' }, { retries: 1 });
    valid(s.events);
    assert.deepEqual(summary(s.events), ['cancelled#1']);
    const after = step(s.job, { kind: 'status', status: { state: 'succeeded', model: 'x', metrics: {} } }, { retries: 1 });
    assert.deepEqual(after.events, []);
    assert.equal(after.job.status, 'cancelled');
    assert.equal(step(toSucceeded().job, { kind: 'cancel' }, { retries: 1 }).job.status, 'succeeded');
  });
});

// ---- lease ----

function leaseSuite(name: string, open: () => StateStore) {
  describe(`leader lease: ${name}`, () => {
    const state = open();
    after(() => state.close());
    const key = () => `insitu-test:${randomBytes(4).toString('hex')}:lease`;

    test('exactly one of two replicas holds it; after a release the other takes over', async () => {
      const k = key();
      const a = createLease({ state, key: k, ttlMs: 10_000, owner: 'replica-a' });
      const b = createLease({ state, key: k, ttlMs: 10_000, owner: 'replica-b' });
      const got = await Promise.all([a.acquire(), b.acquire()]);
      assert.equal(got.filter(Boolean).length, 1);
      const [holder, other] = got[0] ? [a, b] : [b, a];
      assert.equal(await holder.renew(), true);
      assert.equal(await other.renew(), false);
      assert.equal(await other.acquire(), false);
      assert.equal(await holder.acquire(), true, 'acquiring again while holding refreshes');
      await other.release(); // not the holder: no effect
      assert.equal(await a.holder(), holder.owner);
      await holder.release();
      assert.equal(await other.acquire(), true);
      assert.equal(await holder.renew(), false, 'the old holder lost it');
      assert.equal(await a.holder(), other.owner);
      await other.release();
    });

    test('a holder that stops renewing loses it when the TTL lapses', async () => {
      const k = key();
      const a = createLease({ state, key: k, ttlMs: 150, owner: 'replica-a' });
      const b = createLease({ state, key: k, ttlMs: 150, owner: 'replica-b' });
      assert.equal(await a.acquire(), true);
      assert.equal(await b.acquire(), false);
      await until('the lease to lapse', async () => ((await a.holder()) === null ? true : undefined), 5000);
      assert.equal(await b.acquire(), true);
      assert.equal(await a.renew(), false);
      await b.release();
    });
  });
}

leaseSuite('memory', () => createMemoryState({ maxKeys: 1000 }));
leaseSuite('Redis', () => createRedisState({ url: 'redis://127.0.0.1:6379', commandTimeoutMs: 2000, logger: silentLogger }));

// ---- the consumer ----

interface ScriptedBackend extends TrainingBackend {
  starts: StageRequest[];
  cancelled: string[];
}

/** Each stage runs for `pollsToFinish` polls, then succeeds unless `fails(stage, attempt)`. */
function scriptedBackend(script: { fails?: (stage: string, attempt: number) => boolean; pollsToFinish?: number } = {}): ScriptedBackend {
  const polls = new Map<string, number>();
  const cancelled: string[] = [];
  const starts: StageRequest[] = [];
  return {
    kind: 'command',
    starts,
    cancelled,
    async start(request) {
      assert.ok(existsSync(join(request.snapshotDir, request.stage === 'sft' ? SNAPSHOT_FILES.sft : SNAPSHOT_FILES.dpo)), 'the snapshot is written before a stage starts');
      starts.push(request);
      return { backend: 'command', id: `${request.jobId}-${request.stage}-${request.attempt}`, details: { stage: request.stage, attempt: String(request.attempt), model: request.model } };
    },
    async poll(handle): Promise<StageStatus> {
      if (cancelled.includes(handle.id)) return { state: 'cancelled', metrics: {} };
      const n = (polls.get(handle.id) ?? 0) + 1;
      polls.set(handle.id, n);
      if (n < (script.pollsToFinish ?? 2)) return { state: 'running', metrics: { step: n } };
      if (script.fails?.(handle.details.stage!, Number(handle.details.attempt))) return { state: 'failed', error: `${handle.details.stage} diverged`, metrics: { step: n } };
      return { state: 'succeeded', model: `ft:${handle.details.stage}:${handle.id}`, metrics: { train_loss: 0.5 } };
    },
    async cancel(handle) {
      cancelled.push(handle.id);
    },
  };
}

interface Harness {
  runtime: Runtime;
  prefix: string;
  events: TrainingEvent[];
  close(): Promise<void>;
}

async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const dataDir = tempDir('runtime');
  const config = loadConfig({
    INSITU_DATA_DIR: dataDir, INSITU_BUS_PARTITIONS: '1', INSITU_TRAINER: 'command', INSITU_TRAINER_COMMAND: 'true', INSITU_LLAMAFACTORY_TEMPLATE: 'llama3', INSITU_TRAIN_BASE_MODEL: 'base-model',
    INSITU_TRAIN_MIN_PAIRS: '6', INSITU_TRAIN_TEST_FRACTION: '0.3', INSITU_TRAIN_RETRIES: '1', ...env,
  });
  const runtime = await openRuntime(config, silentLogger);
  const events: TrainingEvent[] = [];
  const tap = await runtime.bus.subscribe({
    group: `tap-${randomBytes(4).toString('hex')}`, topics: [TOPICS.training], fromBeginning: true, ephemeral: true,
    handler: async (records) => {
      for (const r of records) {
        const event = JSON.parse(r.value) as TrainingEvent;
        assert.ok(validateTrainingEvent(event).ok);
        assert.equal(r.key, event.job_id);
        assert.equal(r.headers['insitu-event-id'], event.event_id);
        events.push(event);
      }
    },
  });
  return {
    runtime, events, prefix: `insitu-test:${randomBytes(4).toString('hex')}:trainer`,
    async close() {
      await tap.close();
      await runtime.close();
    },
  };
}

/** Accepted pairs in the dataset store (as the dataset-store consumer writes them) and on insitu.preferences. */
async function feedPairs(runtime: Runtime, pairs: PreferencePair[]): Promise<void> {
  await createDatasetStore({ dataDir: runtime.config.dataDir }).append(pairs.filter((p) => p.accepted));
  await runtime.bus.publish(pairs.map((p) => ({ topic: TOPICS.preferences, key: p.conversation_id, value: JSON.stringify(p), headers: { 'insitu-event-id': p.pair_id } })));
}

const statuses = (events: TrainingEvent[]) => events.map((e) => `${e.status}${e.stage ? `:${e.stage}` : ''}#${e.attempt}${e.status === 'failed' ? (e.retrying ? '+retry' : '-final') : ''}`);
const fast = { tickMs: 15, pollMs: 5, leaseTtlMs: 3000 };

const REDIS_ENV = { INSITU_REDIS_URL: 'redis://127.0.0.1:6379' };

describe('trainer consumer (embedded bus; memory or Redis state)', () => {
  for (const [stateName, stateEnv] of [['memory', {}], ['Redis', REDIS_ENV]] as const)
  test(`two replicas (${stateName} state): pairs reach the minimum -> exactly one job: queued, running sft, running dpo, succeeded`, async () => {
    const h = await harness(stateEnv);
    const backend = scriptedBackend();
    const trainers: RunningTrainer[] = [];
    try {
      for (const owner of ['replica-a', 'replica-b']) trainers.push(await startTrainer(h.runtime, { ...fast, backend, owner, keyPrefix: h.prefix }));
      await until('a leader', () => (trainers.some((t) => t.isLeader()) ? true : undefined));
      assert.equal(trainers.filter((t) => t.isLeader()).length, 1, 'exactly one replica leads');
      const pairs = Array.from({ length: 6 }, (_, n) => pair(n));
      // Five accepted, one not accepted, and a re-delivery of the first: not enough yet.
      await feedPairs(h.runtime, [...pairs.slice(0, 5), pair(99, { accepted: false }), pairs[0]!]);
      await until('five counted pairs', async () => ((await h.runtime.state.get(`${h.prefix}:new-pairs`)) === '5' ? true : undefined));
      await sleep(100);
      assert.deepEqual(await listJobs(h.runtime.state, { keyPrefix: h.prefix }), [], 'no job below the minimum');
      await feedPairs(h.runtime, [pairs[5]!]);
      await until('succeeded', () => (h.events.some((e) => e.status === 'succeeded') ? true : undefined));
      await sleep(100); // a second job or a duplicate event would show up now
      const jobs = await listJobs(h.runtime.state, { keyPrefix: h.prefix });
      assert.equal(jobs.length, 1, 'exactly one job');
      assert.equal(trainers.reduce((n, t) => n + t.counters().jobsCreated, 0), 1);
      assert.deepEqual(statuses(h.events), ['queued#1', 'running:sft#1', 'running:dpo#1', 'succeeded#1']);
      const done = h.events.at(-1)!;
      assert.equal(done.job_id, jobs[0]!.job_id);
      assert.equal(done.base_model, 'base-model');
      assert.match(done.candidate_model ?? '', /^ft:dpo:/);
      assert.deepEqual(backend.starts.map((s) => `${s.stage}:${s.model}`), ['sft:base-model', `dpo:ft:sft:${done.job_id}-sft-1`], 'DPO trains the SFT model');
      const dataset = done.dataset!;
      assert.equal(dataset.train_pairs + dataset.test_pairs, 6);
      assert.ok(dataset.test_pairs > 0);
      for (const file of Object.values(SNAPSHOT_FILES)) assert.ok(existsSync(join(dataset.snapshot_dir, file)), file);
      assert.equal(await h.runtime.state.get(`${h.prefix}:new-pairs`), '0', 'the counter was reset');
      assert.equal(jobs[0]!.status, 'succeeded');
      assert.deepEqual(jobs[0]!.unpublished, []);
    } finally {
      for (const t of trainers) await t.close();
      await h.close();
    }
  });

  test('a failed stage with retries=1: failed(retrying), then a second attempt that succeeds', async () => {
    const h = await harness({ INSITU_TRAIN_RETRIES: '1' });
    const backend = scriptedBackend({ fails: (stage, attempt) => stage === 'sft' && attempt === 1 });
    const t = await startTrainer(h.runtime, { ...fast, backend, keyPrefix: h.prefix });
    try {
      await feedPairs(h.runtime, Array.from({ length: 6 }, (_, n) => pair(n)));
      await until('succeeded', () => (h.events.some((e) => e.status === 'succeeded') ? true : undefined));
      assert.deepEqual(statuses(h.events), ['queued#1', 'running:sft#1', 'failed:sft#1+retry', 'queued#2', 'running:sft#2', 'running:dpo#2', 'succeeded#2']);
      assert.equal(h.events[2]!.error, 'sft diverged');
    } finally {
      await t.close();
      await h.close();
    }
  });

  test('with retries=0 a failure is final: failed, never succeeded', async () => {
    const h = await harness({ INSITU_TRAIN_RETRIES: '0' });
    const backend = scriptedBackend({ fails: (stage) => stage === 'dpo' });
    const t = await startTrainer(h.runtime, { ...fast, backend, keyPrefix: h.prefix });
    try {
      await feedPairs(h.runtime, Array.from({ length: 6 }, (_, n) => pair(n)));
      await until('failed', () => (h.events.some((e) => e.status === 'failed') ? true : undefined));
      await sleep(100);
      assert.deepEqual(statuses(h.events), ['queued#1', 'running:sft#1', 'running:dpo#1', 'failed:dpo#1-final']);
      const [job] = await listJobs(h.runtime.state, { keyPrefix: h.prefix });
      assert.equal(job!.status, 'failed');
      assert.equal(job!.candidate_model, null);
    } finally {
      await t.close();
      await h.close();
    }
  });

  test('an API key in a backend error never reaches the event', async () => {
    const secret = 'sk-test-abcdef0123456789';
    const h = await harness({ INSITU_TRAINER: 'openai', INSITU_TRAINER_URL: 'http://127.0.0.1:9/v1', INSITU_TRAINER_API_KEY: secret, INSITU_TRAIN_RETRIES: '0' });
    const backend: TrainingBackend = { ...scriptedBackend(), start: async () => { throw new Error(`401: key ${secret} is not valid`); } };
    const t = await startTrainer(h.runtime, { ...fast, backend, keyPrefix: h.prefix });
    try {
      await feedPairs(h.runtime, Array.from({ length: 6 }, (_, n) => pair(n)));
      const failed = await until('failed', () => h.events.find((e) => e.status === 'failed'));
      assert.equal(failed.error, '401: key [redacted] is not valid');
      const [job] = await listJobs(h.runtime.state, { keyPrefix: h.prefix });
      assert.ok(!JSON.stringify(job).includes(secret));
    } finally {
      await t.close();
      await h.close();
    }
  });

  test('a restarted trainer resumes polling a running job from its stored handle', async () => {
    const h = await harness();
    const backend = scriptedBackend({ pollsToFinish: 3 });
    try {
      // A previous instance created the job and started DPO, then stopped.
      const dataset: TrainingDataset = { snapshot_dir: tempDir('resume'), train_pairs: 4, test_pairs: 1, sft_examples: 0, train_conversations: 4, test_conversations: 1 };
      const created = newJob({ jobId: 'job_resumed', backend: 'command', baseModel: 'base-model', dataset, hyperparameters: hyperparametersFrom(h.runtime.config.training), reason: 'test' });
      const sftDone = step(step(created.job, { kind: 'started', stage: 'sft', handle: { backend: 'command', id: 'old-sft', details: { stage: 'sft', attempt: '1' } } }, { retries: 1 }).job,
        { kind: 'status', status: { state: 'succeeded', model: 'old-sft-model', metrics: {} } }, { retries: 1 });
      const running = step(sftDone.job, { kind: 'started', stage: 'dpo', handle: { backend: 'command', id: 'old-dpo', details: { stage: 'dpo', attempt: '1' } } }, { retries: 1 });
      await createJobStore(h.runtime.state, { prefix: h.prefix }).put({ ...running.job, unpublished: [] });

      const t = await startTrainer(h.runtime, { ...fast, backend, keyPrefix: h.prefix });
      try {
        await until('succeeded', () => (h.events.some((e) => e.status === 'succeeded') ? true : undefined));
      } finally {
        await t.close();
      }
      assert.deepEqual(backend.starts, [], 'nothing restarted');
      assert.deepEqual(statuses(h.events), ['succeeded#1']);
      assert.equal(h.events[0]!.job_id, 'job_resumed');
      assert.equal(h.events[0]!.candidate_model, 'ft:dpo:old-dpo');
    } finally {
      await h.close();
    }
  });

  test('cancel: the leader tells the backend and publishes cancelled', async () => {
    const h = await harness();
    const backend = scriptedBackend({ pollsToFinish: 1_000_000 });
    const t = await startTrainer(h.runtime, { ...fast, backend, keyPrefix: h.prefix });
    try {
      await feedPairs(h.runtime, Array.from({ length: 6 }, (_, n) => pair(n)));
      const running = await until('running', () => h.events.find((e) => e.status === 'running'));
      assert.equal(await cancelJob(h.runtime.state, 'job_nope', { keyPrefix: h.prefix }), null);
      const job = await cancelJob(h.runtime.state, running.job_id, { keyPrefix: h.prefix });
      assert.equal(job!.status, 'running');
      await until('cancelled', () => (h.events.some((e) => e.status === 'cancelled') ? true : undefined));
      assert.deepEqual(backend.cancelled, [`${running.job_id}-sft-1`]);
      assert.equal((await listJobs(h.runtime.state, { keyPrefix: h.prefix }))[0]!.status, 'cancelled');
    } finally {
      await t.close();
      await h.close();
    }
  });

  test('training off (no backend): pairs are counted, no job', async () => {
    const h = await harness({ INSITU_TRAINER: '', INSITU_TRAIN_BASE_MODEL: '' });
    const t = await startTrainer(h.runtime, { ...fast, keyPrefix: h.prefix });
    try {
      await feedPairs(h.runtime, Array.from({ length: 7 }, (_, n) => pair(n)));
      await until('seven counted pairs', async () => ((await h.runtime.state.get(`${h.prefix}:new-pairs`)) === '7' ? true : undefined));
      assert.equal(t.isLeader(), false);
      assert.deepEqual(await listJobs(h.runtime.state, { keyPrefix: h.prefix }), []);
    } finally {
      await t.close();
      await h.close();
    }
  });
});

describe('train --now and jobs', () => {
  test('runTrainingNow drives a job to the end; refused while another trainer holds the lease', async () => {
    const h = await harness();
    const backend = scriptedBackend();
    try {
      await assert.rejects(runTrainingNow(h.runtime, { backend, wait: true, keyPrefix: h.prefix }), NothingToTrainError);
      assert.deepEqual(readdirSync(join(h.runtime.config.dataDir, 'training')), [], 'no snapshot folder left without a job');
      assert.equal(await h.runtime.state.get(`${h.prefix}:lease`), null, 'the lease was released');
      await createDatasetStore({ dataDir: h.runtime.config.dataDir }).append(Array.from({ length: 4 }, (_, n) => pair(n)));
      const lines: string[] = [];
      const job = await runTrainingNow(h.runtime, { backend, wait: true, keyPrefix: h.prefix, pollMs: 5, progress: (l) => lines.push(l) });
      assert.equal(job.status, 'succeeded');
      assert.ok(lines.some((l) => l.includes('running (sft)')) && lines.some((l) => l.includes('succeeded')), lines.join('\n'));
      await until('succeeded on the topic', () => (h.events.some((e) => e.status === 'succeeded') ? true : undefined));
      assert.equal(await h.runtime.state.get(`${h.prefix}:lease`), null, 'the lease was released');

      // A lease holder that never serves requests: the command says so instead of training beside it.
      const other = createLease({ state: h.runtime.state, key: `${h.prefix}:lease`, ttlMs: 10_000, owner: 'service' });
      assert.equal(await other.acquire(), true);
      const startsBefore = backend.starts.length;
      await assert.rejects(runTrainingNow(h.runtime, { backend, wait: true, keyPrefix: h.prefix, requestTimeoutMs: 100 }), (e: unknown) => e instanceof TrainerBusyError && /service/.test((e as Error).message) && /has not taken the request/.test((e as Error).message));
      assert.equal(backend.starts.length, startsBefore, 'nothing trained beside the lease holder');
      await other.release();
    } finally {
      await h.close();
    }
  });

  test('insitu train --now while a trainer leads (Redis): the leader trains, once; the command follows the job', async () => {
    const h = await harness(REDIS_ENV);
    const backend = scriptedBackend();
    const leader = await startTrainer(h.runtime, { ...fast, backend, owner: 'the-leader', keyPrefix: h.prefix });
    try {
      await until('a leader', () => (leader.isLeader() ? true : undefined));
      // The command, as another process would: its own runtime (Redis connection) and its own backend.
      const cliBackend = scriptedBackend();
      const out: string[] = [];
      const err: string[] = [];
      const io = { config: h.runtime.config, logger: silentLogger, out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), createBackend: () => cliBackend, keyPrefix: h.prefix };
      // Nothing stored yet: the leader answers so, and the command fails with its reason.
      await assert.rejects(trainCommand(['--now', '--wait'], io), (e: unknown) => e instanceof NothingToTrainError && /nothing to train on/.test((e as Error).message));
      assert.match(err.join(''), /the trainer the-leader leads: asked it to train now/);

      // Fewer pairs than INSITU_TRAIN_MIN_PAIRS (6): the policy would not train; the request does.
      await createDatasetStore({ dataDir: h.runtime.config.dataDir }).append(Array.from({ length: 4 }, (_, n) => pair(n)));
      err.length = 0;
      await trainCommand(['--now', '--wait', '--json'], io);
      const job = JSON.parse(out.join('')) as TrainingJob;
      assert.equal(job.status, 'succeeded');
      assert.match(job.reason, /insitu train --now/);
      assert.deepEqual(cliBackend.starts, [], 'the command trained nothing itself');
      assert.deepEqual(backend.starts.map((r) => `${r.jobId}:${r.stage}`), [`${job.job_id}:sft`, `${job.job_id}:dpo`], 'the leader trained it');
      assert.match(err.join(''), new RegExp(`${job.job_id} attempt 1: succeeded`));
      assert.equal(leader.counters().jobsCreated, 1);
      await until('succeeded on the topic', () => (h.events.some((e) => e.job_id === job.job_id && e.status === 'succeeded') ? true : undefined));
      assert.equal((await listJobs(h.runtime.state, { keyPrefix: h.prefix })).length, 1, 'one job');
    } finally {
      await leader.close();
      await h.close();
    }
  });

  test('insitu train --now --wait and insitu jobs (table, --json, --cancel)', async () => {
    const dataDir = tempDir('cli');
    const env = { INSITU_DATA_DIR: dataDir, INSITU_BUS_PARTITIONS: '1', INSITU_TRAINER: 'command', INSITU_TRAINER_COMMAND: 'true', INSITU_LLAMAFACTORY_TEMPLATE: 'llama3', INSITU_TRAIN_BASE_MODEL: 'base-model', INSITU_TRAIN_POLL_INTERVAL: '5ms' };
    const config = loadConfig(env);
    const prefix = `insitu-test:${randomBytes(4).toString('hex')}:trainer`;
    await createDatasetStore({ dataDir }).append(Array.from({ length: 4 }, (_, n) => pair(n)));
    const out: string[] = [];
    const err: string[] = [];
    const io = { config, logger: silentLogger, out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), createBackend: () => scriptedBackend(), keyPrefix: prefix };
    await assert.rejects(trainCommand([], io), UsageError);
    await assert.rejects(trainCommand(['--now'], io), /--wait/, 'memory state needs --wait');
    await trainCommand(['--now', '--wait', '--json'], io);
    const job = JSON.parse(out.join('')) as TrainingJob;
    assert.equal(job.status, 'succeeded');
    assert.ok(err.join('').includes('running (dpo)'));

    await assert.rejects(jobsCommand([], { config, logger: silentLogger }), /INSITU_REDIS_URL/);
    // The listing itself, on a store that holds a job.
    const state = createMemoryState({ maxKeys: 1000 });
    const store = createJobStore(state, { prefix });
    await store.put(job);
    const running = { ...job, job_id: 'job_running', status: 'running' as const, stage: 'sft' as const };
    await store.put(running);
    out.length = 0;
    await jobsCommand([], { ...io, state });
    const table = out.join('');
    assert.match(table, /\| job \| status \| stage \| attempt \| base \| candidate \| pairs train\/test \| updated \|/);
    assert.match(table, new RegExp(`\\| ${job.job_id} \\| succeeded \\| - \\| 1 \\| base-model \\| ${job.candidate_model} \\| ${job.dataset.train_pairs}/${job.dataset.test_pairs} \\|`));
    assert.ok(table.indexOf('job_running') < table.indexOf(job.job_id), 'newest first');
    out.length = 0;
    await jobsCommand(['--json'], { ...io, state });
    assert.deepEqual((JSON.parse(out.join('')) as TrainingJob[]).map((j) => j.job_id), ['job_running', job.job_id]);
    await assert.rejects(jobsCommand(['--cancel', job.job_id], { ...io, state }), /already succeeded/);
    await assert.rejects(jobsCommand(['--cancel', 'job_missing'], { ...io, state }), /no training job/);
    await jobsCommand(['--cancel', 'job_running'], { ...io, state });
    assert.notEqual(await state.get(trainerKeys(prefix).cancel('job_running')), null);
    await state.close();
  });
});
