// The whole loop on simulated model APIs, on both runtimes: chats through the proxy with DSAT follow-ups and
// accepted revisions -> pairs accumulate -> the trainer submits SFT then DPO jobs with valid files to a
// simulated OpenAI-compatible fine-tuning API (the first attempt fails and is retried) -> the job succeeds ->
// the evaluator judges candidate vs served model on the held-out pairs -> the promotion gate passes -> the
// proxy serves the candidate for the alias, live, without a restart.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type OpenAI from 'openai';
import { CONSUMERS, type RunningConsumer } from '../consumers/index.js';
import type { TrainingEvent } from '../src/events/training.js';
import { validateTrainingEvent } from '../src/events/validate.js';
import { createRouteStore } from '../src/routing/routes.js';
import { TOPICS } from '../src/topics.js';
import { settle, startInsitu } from './support/insitu.js';
import { onBothRuntimes } from './support/runtimes.js';
import { startSimFineTuning } from './support/sim-finetune.js';
import { startSimUpstream } from './support/sim-upstream.js';

const BASE = 'tutor-base';
const LONG = (topic: string) =>
  `${topic} is a broad subject with a long history. `.repeat(6) + `To understand ${topic} fully, one has to consider many layers, protocols, trade-offs and historical decisions in great detail.`;
const SHORT = (topic: string) => `- ${topic}: the key idea.\n- One example.\n- One caveat.`;
const TOPICS_ASKED = ['DNS', 'TCP', 'TLS', 'HTTP caching', 'BGP', 'NAT', 'IPv6', 'DHCP'];

const lastUser = (json: { messages?: { role: string; content: unknown }[] }): string => {
  const last = [...(json.messages ?? [])].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
};
const topicOf = (text: string) => TOPICS_ASKED.find((t) => text.includes(t)) ?? 'it';

async function loop(env: Record<string, string>): Promise<void> {
  const tenant = `loop-${randomBytes(4).toString('hex')}`;
  const alias = `served-${randomBytes(3).toString('hex')}`;
  const sim = await startSimUpstream();
  const fineTuning = await startSimFineTuning({ requireApiKey: 'sk-ft-secret' });
  // The deployed model answers long first and short when asked; a fine-tuned candidate answers short at once.
  sim.respondWith((json) => {
    const model = String(json.model);
    const user = lastUser(json);
    const topic = topicOf(JSON.stringify(json.messages));
    if (/^thanks/i.test(user)) return { kind: 'completion', content: 'Glad it helped!', model };
    if (model.startsWith('ft:') || /shorter/i.test(user)) return { kind: 'completion', content: SHORT(topic), model };
    return { kind: 'completion', content: LONG(topic), model };
  });
  fineTuning.failNext(1, 'simulated GPU outage');
  const insitu = await startInsitu({
    ...env,
    INSITU_DEFAULT_TENANT: tenant,
    INSITU_UPSTREAM_URL: sim.url,
    INSITU_TRAINER: 'openai',
    INSITU_TRAINER_URL: fineTuning.url,
    INSITU_TRAINER_API_KEY: 'sk-ft-secret',
    INSITU_TRAIN_BASE_MODEL: BASE,
    INSITU_TRAIN_MIN_PAIRS: String(TOPICS_ASKED.length),
    INSITU_TRAIN_TEST_FRACTION: '0.25',
    INSITU_TRAIN_RETRIES: '1',
    INSITU_TRAIN_POLL_INTERVAL: '100ms',
    INSITU_EVAL_CLUSTERS: '2',
    INSITU_EVAL_PER_CLUSTER: '5',
    INSITU_PROMOTE_MIN_N: '1', // two held-out conversations: the default 20 would never promote
    INSITU_SERVED_ALIAS: alias,
  });
  const consumers: RunningConsumer[] = [];
  const training: TrainingEvent[] = [];
  const reader = await insitu.runtime.bus.subscribe({
    group: `loop-reader-${randomBytes(4).toString('hex')}`,
    topics: [TOPICS.training],
    fromBeginning: true,
    ephemeral: true,
    handler: async (records) => {
      for (const r of records) {
        const event = JSON.parse(r.value) as TrainingEvent;
        const valid = validateTrainingEvent(event);
        assert.ok(valid.ok, JSON.stringify(valid));
        assert.equal(r.key, event.job_id);
        training.push(event);
      }
    },
  });
  const waitFor = async (what: () => boolean, label: string, timeoutMs = 60_000) => {
    for (const end = Date.now() + timeoutMs; !what() && Date.now() < end; ) await settle(100);
    assert.ok(what(), `timed out waiting for ${label}; training events: ${training.map((e) => `${e.status}/${e.stage ?? '-'}#${e.attempt}`).join(', ')}`);
  };
  try {
    for (const c of CONSUMERS) consumers.push(await c.start(insitu.runtime));
    const routes = createRouteStore(insitu.runtime.state);
    await routes.set({ alias, model: BASE, canary: null, reason: 'initial deployment' });

    for (const [i, topic] of TOPICS_ASKED.entries()) {
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: 'You are a network tutor.' }];
      for (const q of [`Explain how ${topic} works.`, 'That is way too long. Shorter please, in bullet points.', 'Thanks, perfect!']) {
        messages.push({ role: 'user', content: q });
        const answer = await insitu.client.chat.completions.create({ model: alias, messages, user: `user-${i}` });
        assert.equal(answer.model, BASE, 'before any promotion the alias serves the base model');
        messages.push(answer.choices[0]!.message);
      }
    }

    await waitFor(() => training.some((e) => e.status === 'promoted' || e.status === 'rejected'), 'the evaluation verdict', 90_000);
    const statuses = training.map((e) => `${e.status}/${e.stage ?? '-'}#${e.attempt}`);
    // The first attempt failed at SFT (the simulated outage) and was retried; only the second produced a model.
    const failed = training.find((e) => e.status === 'failed');
    assert.ok(failed, statuses.join(', '));
    assert.equal(failed.attempt, 1);
    assert.equal(failed.retrying, true);
    assert.equal(failed.candidate_model, null);
    assert.match(failed.error ?? '', /simulated GPU outage/);
    const succeeded = training.find((e) => e.status === 'succeeded');
    assert.ok(succeeded, statuses.join(', '));
    assert.equal(succeeded.attempt, 2);
    assert.ok(training.indexOf(failed) < training.indexOf(succeeded));
    assert.ok(training.some((e) => e.status === 'running' && e.stage === 'sft' && e.attempt === 2));
    assert.ok(training.some((e) => e.status === 'running' && e.stage === 'dpo' && e.attempt === 2));
    const candidate = succeeded.candidate_model!;
    assert.match(candidate, /^ft:/);

    // The split keeps every conversation (and user) on one side; test pairs went to evaluation, not training.
    const dataset = succeeded.dataset!;
    assert.equal(dataset.train_pairs + dataset.test_pairs, TOPICS_ASKED.length);
    assert.ok(dataset.test_pairs >= 1 && dataset.train_pairs >= 1, JSON.stringify(dataset));
    const testPairs = readFileSync(join(dataset.snapshot_dir, 'test-pairs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: { role: string; content: string }[] });
    // Each conversation asked about its own topic, so a test conversation's query must appear in no training line.
    const testQueries = testPairs.map((p) => p.prompt.filter((m) => m.role === 'user').at(-1)!.content);
    assert.equal(testQueries.length, dataset.test_pairs);

    // The fine-tuning API got valid files: SFT (chat lines) then DPO on the SFT model, with the train pairs only.
    const jobs = fineTuning.jobs.filter((j) => j.status === 'succeeded');
    assert.equal(jobs.length, 2, JSON.stringify(fineTuning.jobs.map((j) => [j.model, j.status, j.method?.type])));
    assert.equal(jobs[0]!.method?.type, 'supervised');
    assert.equal(jobs[0]!.model, BASE);
    assert.equal(jobs[1]!.method?.type, 'dpo');
    assert.equal(jobs[1]!.model, jobs[0]!.fine_tuned_model);
    assert.equal(jobs[1]!.method?.dpo?.hyperparameters?.beta, 0.1);
    assert.equal(candidate, jobs[1]!.fine_tuned_model);
    const dpoFile = fineTuning.uploadedFiles.find((f) => f.file.id === jobs[1]!.training_file)!;
    assert.equal(dpoFile.lines.length, dataset.train_pairs);
    const sftFile = fineTuning.uploadedFiles.find((f) => f.file.id === jobs[0]!.training_file)!;
    for (const line of [...dpoFile.lines, ...sftFile.lines]) {
      for (const q of testQueries) assert.ok(!JSON.stringify(line).includes(q), `a test conversation (${q}) leaked into the training data`);
    }

    // Evaluation: the candidate (short, bulleted) beats the served model (long) on the user's checklist.
    const verdict = training.find((e) => e.status === 'promoted' || e.status === 'rejected')!;
    assert.equal(verdict.status, 'promoted', verdict.evaluation?.reason);
    assert.ok(training.some((e) => e.status === 'evaluated' && e.attempt === 2));
    assert.ok(!training.some((e) => e.attempt === 1 && (e.status === 'evaluated' || e.status === 'promoted')), 'a failed attempt is never evaluated or promoted');
    const evaluation = verdict.evaluation!;
    assert.equal(evaluation.baseline, BASE);
    assert.ok(evaluation.with_checklist.win >= 0.55, JSON.stringify(evaluation));
    assert.ok(evaluation.with_checklist.n >= 1);
    assert.ok(existsSync(join(insitu.dataDir, 'evaluations', `${evaluation.report_id}.json`)));
    assert.ok(existsSync(join(insitu.dataDir, 'evaluations', `${evaluation.report_id}.md`)));

    // Promotion is live: the same alias now reaches the candidate, without a restart.
    assert.equal((await routes.get(alias))?.model, candidate);
    let served = '';
    for (let i = 0; i < 50 && served !== candidate; i++) {
      const answer = await insitu.client.chat.completions.create({ model: alias, messages: [{ role: 'user', content: 'Explain how DNS works.' }] });
      served = answer.model;
      if (served !== candidate) await settle(100);
    }
    assert.equal(served, candidate);
    assert.equal(sim.requests.at(-1)!.json.model, candidate);

    // The fine-tuning key never reached an event.
    assert.ok(!training.some((e) => JSON.stringify(e).includes('sk-ft-secret')));
  } finally {
    await reader.close();
    for (const c of consumers.reverse()) await c.close();
    await insitu.close();
    await fineTuning.close();
    await sim.close();
  }
}

onBothRuntimes('the full loop: pairs -> training (with a retried failure) -> evaluation -> promotion -> the proxy serves the candidate', loop, { redis: true });
