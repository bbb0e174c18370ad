// The embedded runtime's state survives a restart: `insitu consume trainer` (memory state, command backend)
// starts a job and is stopped mid-SFT; a second process is refused the same INSITU_DATA_DIR while the first
// runs; the restarted trainer resumes tracking the job from its stored handle to `succeeded` (nothing started
// twice), and a route written before survives both restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listJobs } from '../consumers/trainer/runner.js';
import { createDatasetStore } from '../src/dataset/store.js';
import type { PreferencePair } from '../src/events/preference.js';
import type { TrainingEvent } from '../src/events/training.js';
import { validatePreferencePair } from '../src/events/validate.js';
import { digest } from '../src/ids.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { createRouteStore } from '../src/routing/routes.js';
import { openRuntime } from '../src/runtime.js';
import { createMemoryState } from '../src/state/memory.js';
import { TOPICS } from '../src/topics.js';
import { spawnInsitu } from './support/insitu-process.js';
import { tempDirs } from './support/temp-dirs.js';

const tempDir = tempDirs('trainer-restart-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function pair(n: number): PreferencePair {
  const value: PreferencePair = {
    schema: 'insitu.preference', version: 1, pair_id: `pp_${digest(`restart-pair-${n}`)}`, conversation_id: `conv_${n}`, tenant: 'acme', user: `user_${n}`,
    rejected_turn_id: `turn_r${n}`, feedback_turn_id: `turn_f${n}`, chosen_turn_id: `turn_c${n}`,
    prompt: [{ role: 'user', content: `Write a haiku about autumn (${n}).` }], chosen: { role: 'assistant', content: `Leaves fall, gold. (${n})` },
    rejected: { role: 'assistant', content: `A very long poem about leaves falling in autumn. (${n})` }, preferences: ['The user prefers short poems.'],
    feedback: [{ feedback_id: `fb_${n}`, polarity: 'DSAT', satisfaction: [], dissatisfaction: ['style'], evidence: 'shorter please' }],
    mode: 'in-situ', models: { rejected: 'm', chosen: 'm', preferences: 'local', judge: null }, filters: [], accepted: true, created_at: '2024-05-01T10:00:00.000Z',
  };
  assert.ok(validatePreferencePair(value).ok);
  return value;
}

test('embedded runtime: a trainer stopped mid-job is restarted and tracks the job to completion; the route survives', async () => {
  const dataDir = tempDir('data');
  const marks = tempDir('marks');
  const release = join(marks, 'release');
  // Each stage marks that it started, then waits for the test to let it finish.
  const command = `touch "${marks}/started-$INSITU_TRAIN_STAGE"; while [ ! -f "${release}" ]; do sleep 0.05; done; echo "INSITU_MODEL=ft-$INSITU_TRAIN_STAGE-model"`;
  const env = {
    INSITU_DATA_DIR: dataDir, INSITU_BUS_PARTITIONS: '1', INSITU_TRAINER: 'command', INSITU_TRAINER_COMMAND: command, INSITU_LLAMAFACTORY_TEMPLATE: 'qwen', INSITU_TRAIN_BASE_MODEL: 'base-model',
    INSITU_TRAIN_MIN_PAIRS: '4', INSITU_TRAIN_TEST_FRACTION: '0.3', INSITU_TRAIN_POLL_INTERVAL: '100ms',
  };
  const config = loadConfig(env);

  // A route written before the trainer ever ran (as the evaluator would on this runtime).
  const before = createMemoryState({ maxKeys: 1000, dir: join(dataDir, 'state') });
  await createRouteStore(before).set({ alias: 'insitu', model: 'ft-earlier', canary: null, reason: 'promoted earlier' });
  await before.close();

  // The test process uses the embedded bus only (its state is never opened, so it takes no lock).
  const runtime = await openRuntime(config, silentLogger);
  const events: TrainingEvent[] = [];
  const tap = await runtime.bus.subscribe({
    group: 'restart-tap', topics: [TOPICS.training], fromBeginning: true, ephemeral: true,
    handler: async (records) => void events.push(...records.map((r) => JSON.parse(r.value) as TrainingEvent)),
  });
  try {
    const pairs = Array.from({ length: 4 }, (_, n) => pair(n));
    await createDatasetStore({ dataDir }).append(pairs);
    await runtime.bus.publish(pairs.map((p) => ({ topic: TOPICS.preferences, key: p.conversation_id, value: JSON.stringify(p), headers: { 'insitu-event-id': p.pair_id } })));

    const first = await spawnInsitu(['consume', 'trainer'], env, { ready: /consuming/ });
    await until('the SFT stage running', () => (existsSync(join(marks, 'started-sft')) ? true : undefined));
    await until('running (sft) published', () => events.find((e) => e.status === 'running' && e.stage === 'sft'));

    // A second process on the same data folder is refused while the first holds the state.
    const second = await spawnInsitu(['consume', 'trainer'], env, { ready: /in use by process \d+/ });
    const refused = await second.exited;
    assert.notEqual(refused.code, 0);
    assert.match(second.output(), /in use by process \d+/);

    assert.equal((await first.signal('SIGTERM')).code, 0, first.output());
    const jobId = events[0]!.job_id;
    writeFileSync(release, ''); // SFT finishes while no trainer runs

    const restarted = await spawnInsitu(['consume', 'trainer'], env, { ready: /consuming/ });
    try {
      const done = await until('succeeded', () => events.find((e) => e.status === 'succeeded'));
      assert.equal(done.job_id, jobId, 'the same job');
      assert.equal(done.candidate_model, 'ft-dpo-model');
      await sleep(300); // a duplicate or a second job would show now
    } finally {
      assert.equal((await restarted.signal('SIGTERM')).code, 0, restarted.output());
    }
    assert.deepEqual(events.map((e) => `${e.status}${e.stage ? `:${e.stage}` : ''}#${e.attempt}`), ['queued#1', 'running:sft#1', 'running:dpo#1', 'succeeded#1']);
    assert.ok(events.every((e) => e.job_id === jobId), 'one job');
    assert.deepEqual(readdirSync(join(dataDir, 'training')), [jobId], 'one snapshot: nothing started twice');

    const after = createMemoryState({ maxKeys: 1000, dir: join(dataDir, 'state') });
    try {
      const jobs = await listJobs(after);
      assert.deepEqual(jobs.map((j) => [j.job_id, j.status]), [[jobId, 'succeeded']]);
      assert.equal((await createRouteStore(after).get('insitu'))?.model, 'ft-earlier', 'the route survived two restarts');
    } finally {
      await after.close();
    }
  } finally {
    await tap.close();
    await runtime.close();
  }
});
