// The trainer's fine-tuning backends: the openai backend against the simulated fine-tuning API through the
// official SDK (uploads, methods and hyper-parameters, status mapping, failures, cancel, key redaction), and the
// command backend running real shell scripts (LLaMA-Factory and TRL files, env without secrets, exit codes,
// cancel, a trainer restart), plus their pure cores.
import { tempDirs } from './support/temp-dirs.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import { SNAPSHOT_FILES, type StageHandle, type StageRequest, type StageStatus, type TrainingBackend } from '../consumers/trainer/backend.js';
import { createCommandTrainingBackend, lineMetrics, trainingEnvironment } from '../consumers/trainer/backends/command.js';
import { createTrainingBackend } from '../consumers/trainer/backends/index.js';
import { llamaFactorySftRow, toYaml, yamlNumber } from '../consumers/trainer/backends/llama-factory-config.js';
import { createOpenAiTrainingBackend, jobStatus, modelSuffix } from '../consumers/trainer/backends/openai.js';
import { LLAMA_FACTORY_DATASET, validateLlamaFactoryLine } from '../src/dataset/export/llama-factory.js';
import { openAIDpo, toOpenAIMessage } from '../src/dataset/export/openai-dpo.js';
import { validateSftLine, type OpenAISftLine } from '../src/dataset/export/sft.js';
import { validateTrlLine } from '../src/dataset/export/trl.js';
import { ConfigError, TrainingBackendError } from '../src/errors.js';
import { loadConfig } from '../src/config.js';
import type { ChatMessage } from '../src/events/chat.js';
import type { PreferencePair } from '../src/events/preference.js';
import type { TrainingHyperparameters } from '../src/events/training.js';
import { validatePreferencePair } from '../src/events/validate.js';
import { digest } from '../src/ids.js';
import { startSimFineTuning } from './support/sim-finetune.js';

const tempDir = tempDirs();

// ---- fixtures: two small pairs, a snapshot written from them ----

const DEFAULTS: TrainingHyperparameters = {
  sft: { epochs: 1, learning_rate: 5e-6, batch_size: 128, warmup_ratio: 0.1, scheduler: 'cosine' },
  dpo: { epochs: 1, learning_rate: 5e-7, batch_size: 32, beta: 0.1 },
};

function pair(n: number, prompt: ChatMessage[]): PreferencePair {
  const value: PreferencePair = {
    schema: 'insitu.preference', version: 1, pair_id: `pp_${digest(`trainer-pair-${n}`)}`, conversation_id: `conv_${n}`, tenant: 'acme', user: 'u1',
    rejected_turn_id: `turn_r${n}`, feedback_turn_id: `turn_f${n}`, chosen_turn_id: `turn_c${n}`, prompt,
    chosen: { role: 'assistant', content: `Leaves fall, gold. (${n})` }, rejected: { role: 'assistant', content: `A very long poem about leaves falling in autumn. (${n})` },
    preferences: ['The user prefers short poems.'],
    feedback: [{ feedback_id: `fb_${n}`, polarity: 'DSAT', satisfaction: [], dissatisfaction: ['style'], evidence: 'shorter please' }],
    mode: 'in-situ', models: { rejected: 'm', chosen: 'm', preferences: 'local', judge: null }, filters: [{ filter: 'length', verdict: 'pass', detail: null }],
    accepted: true, created_at: '2024-05-01T10:00:00.000Z',
  };
  const valid = validatePreferencePair(value);
  assert.ok(valid.ok, JSON.stringify(valid));
  return value;
}

const PAIRS = [
  pair(1, [{ role: 'user', content: 'Write a haiku about autumn.' }]),
  pair(2, [
    { role: 'system', content: 'You are a concise assistant.' },
    { role: 'user', content: 'Write a poem.' },
    { role: 'assistant', content: 'Roses are red, and so on for many lines.' },
    { role: 'user', content: 'Too long. Make it shorter please.' },
  ]),
];

/** The SFT line of a pair: its prompt (earlier assistant turns not trained) and the chosen response. */
const sftLine = (p: PreferencePair): OpenAISftLine => ({
  messages: [...p.prompt.map((m) => (m.role === 'assistant' ? { ...toOpenAIMessage(m), weight: 0 as const } : toOpenAIMessage(m))), { role: 'assistant', content: p.chosen.content }],
});

const jsonl = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join('\n') + '\n';

function writeSnapshot(overrides: Partial<Record<'sft' | 'dpo', string>> = {}): string {
  const dir = tempDir('snapshot');
  const dpoLines = PAIRS.map((p) => {
    const converted = openAIDpo.convert(p);
    assert.ok(converted.ok);
    return converted.line;
  });
  writeFileSync(join(dir, SNAPSHOT_FILES.sft), overrides.sft ?? jsonl(PAIRS.map(sftLine)));
  writeFileSync(join(dir, SNAPSHOT_FILES.dpo), overrides.dpo ?? jsonl(dpoLines));
  writeFileSync(join(dir, SNAPSHOT_FILES.trainPairs), jsonl(PAIRS));
  writeFileSync(join(dir, SNAPSHOT_FILES.testPairs), '');
  writeFileSync(join(dir, SNAPSHOT_FILES.manifest), JSON.stringify({ train_pairs: PAIRS.length }));
  return dir;
}

const request = (snapshotDir: string, stage: 'sft' | 'dpo', model = 'base-model', jobId = 'tj_Fixture123'): StageRequest => ({
  jobId, attempt: 1, stage, model, snapshotDir, hyperparameters: DEFAULTS,
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until the stage is over; returns every status seen. */
async function pollToEnd(backend: TrainingBackend, handle: StageHandle): Promise<StageStatus[]> {
  const seen: StageStatus[] = [];
  for (;;) {
    const status = await backend.poll(handle);
    seen.push(status);
    if (status.state !== 'running') return seen;
    await sleep(20);
  }
}
const last = (statuses: StageStatus[]) => statuses[statuses.length - 1]!;

// ---- openai backend against the simulated fine-tuning API ----

describe('openai training backend (sim fine-tuning API, official SDK)', () => {
  test('SFT then DPO on the SFT model: uploads, methods, hyper-parameters, statuses and metrics', async () => {
    const sim = await startSimFineTuning({ requireApiKey: 'sk-sim-right-key' });
    try {
      const backend = createOpenAiTrainingBackend({ url: sim.url, apiKey: 'sk-sim-right-key' });
      const snapshot = writeSnapshot();

      const sftHandle = await backend.start(request(snapshot, 'sft'));
      assert.equal(sftHandle.backend, 'openai');
      assert.equal(sftHandle.details.stage, 'sft');
      assert.match(sftHandle.details.learning_rate!, /command backend/);
      const upload = sim.uploadedFiles.find((f) => f.file.id === sftHandle.details.file_id)!;
      assert.equal(upload.file.purpose, 'fine-tune');
      assert.equal(upload.content, readFileSync(join(snapshot, SNAPSHOT_FILES.sft), 'utf8'));
      assert.equal(upload.lines.length, 2);
      for (const line of upload.lines) assert.deepEqual(validateSftLine(line), []);
      const sftBody = sim.jobRequests.get(sftHandle.id)!;
      assert.equal(sftBody.model, 'base-model');
      assert.equal(sftBody.training_file, upload.file.id);
      assert.equal(sftBody.suffix, modelSuffix('tj_Fixture123'));
      assert.deepEqual(sftBody.method, { type: 'supervised', supervised: { hyperparameters: { n_epochs: 1, batch_size: 128 } } });
      assert.equal(JSON.stringify(sftBody).includes('learning_rate'), false, 'no invented learning-rate multiplier');
      assert.deepEqual(sftBody.metadata, { insitu_job: 'tj_Fixture123', insitu_stage: 'sft', insitu_attempt: '1' });

      const sftStatuses = await pollToEnd(backend, sftHandle);
      assert.ok(sftStatuses.slice(0, -1).every((s) => s.state === 'running' && typeof s.progress === 'string'));
      const sftDone = last(sftStatuses);
      assert.equal(sftDone.state, 'succeeded');
      assert.ok(sftDone.state === 'succeeded');
      assert.equal(sftDone.model, `ft:base-model:insitu:${modelSuffix('tj_Fixture123')}:${sftHandle.id}`);
      assert.equal(sftDone.metrics.train_loss, 0.62);
      assert.equal(sftDone.metrics.step, 2);
      assert.ok(sftDone.metrics.trained_tokens! > 0);

      const dpoHandle = await backend.start(request(snapshot, 'dpo', sftDone.model));
      const dpoUpload = sim.uploadedFiles.find((f) => f.file.id === dpoHandle.details.file_id)!;
      assert.equal(dpoUpload.content, readFileSync(join(snapshot, SNAPSHOT_FILES.dpo), 'utf8'));
      const dpoBody = sim.jobRequests.get(dpoHandle.id)!;
      assert.equal(dpoBody.model, sftDone.model);
      assert.deepEqual(dpoBody.method, { type: 'dpo', dpo: { hyperparameters: { beta: 0.1, n_epochs: 1, batch_size: 32 } } });
      const dpoDone = last(await pollToEnd(backend, dpoHandle));
      assert.ok(dpoDone.state === 'succeeded', JSON.stringify(dpoDone));
      assert.equal(dpoDone.model, `ft:base-model:insitu:${modelSuffix('tj_Fixture123')}:${dpoHandle.id}`, 'named after the base model, as OpenAI does');
      assert.equal(sim.requests.every((r) => r.headers.authorization === 'Bearer sk-sim-right-key'), true);
    } finally {
      await sim.close();
    }
  });

  test('an invalid training file fails the job with the service\'s message', async () => {
    const sim = await startSimFineTuning();
    try {
      const backend = createOpenAiTrainingBackend({ url: sim.url, apiKey: 'k-test' });
      const noAssistant = { messages: [{ role: 'user', content: 'hello' }] };
      const snapshot = writeSnapshot({ sft: jsonl([sftLine(PAIRS[0]!), noAssistant]) });
      const done = last(await pollToEnd(backend, await backend.start(request(snapshot, 'sft'))));
      assert.equal(done.state, 'failed');
      assert.ok(done.state === 'failed');
      assert.match(done.error, /invalid training file/);
      assert.match(done.error, /Line 2: no assistant message/);
      assert.match(done.error, /invalid_training_file/);

      const badDpo = { input: { messages: [{ role: 'user', content: 'x' }] }, preferred_output: [{ role: 'assistant', content: 'a' }], non_preferred_output: [] };
      const dpoSnapshot = writeSnapshot({ dpo: jsonl([badDpo]) });
      const dpoDone = last(await pollToEnd(backend, await backend.start(request(dpoSnapshot, 'dpo'))));
      assert.ok(dpoDone.state === 'failed');
      assert.match(dpoDone.error, /non_preferred_output/);
    } finally {
      await sim.close();
    }
  });

  test('failNext fails the next job; cancel cancels a running one', async () => {
    const sim = await startSimFineTuning();
    try {
      const backend = createOpenAiTrainingBackend({ url: sim.url, apiKey: 'k-test' });
      const snapshot = writeSnapshot();
      sim.failNext(1, 'GPU node lost (scripted)');
      const failed = last(await pollToEnd(backend, await backend.start(request(snapshot, 'sft'))));
      assert.ok(failed.state === 'failed');
      assert.match(failed.error, /GPU node lost \(scripted\)/);

      const handle = await backend.start({ ...request(snapshot, 'sft'), attempt: 2 }); // the retry is a new attempt
      assert.equal((await backend.poll(handle)).state, 'running');
      await backend.cancel(handle);
      const cancelled = await backend.poll(handle);
      assert.equal(cancelled.state, 'cancelled');
      assert.equal(sim.jobs.find((j: FineTuningJob) => j.id === handle.id)!.status, 'cancelled');
      // Cancelling a job that is over is refused by the service: a non-retriable TrainingBackendError.
      await assert.rejects(backend.cancel(handle), (e) => e instanceof TrainingBackendError && !e.retriable);
    } finally {
      await sim.close();
    }
  });

  test('a trainer restarted between submitting a stage and recording its handle finds that job: no second submission', async () => {
    const sim = await startSimFineTuning();
    try {
      const snapshot = writeSnapshot();
      // Other jobs on the account, newer and older, some with other insitu metadata.
      const other = createOpenAiTrainingBackend({ url: sim.url, apiKey: 'k-test' });
      await other.start(request(snapshot, 'sft', 'base-model', 'tj_Older'));
      const submitted = await createOpenAiTrainingBackend({ url: sim.url, apiKey: 'k-test' }).start(request(snapshot, 'sft'));
      await other.start(request(snapshot, 'sft', 'base-model', 'tj_Newer'));
      const jobsBefore = sim.jobs.length;
      const uploadsBefore = sim.uploadedFiles.length;

      // The restarted trainer's backend starts the same stage of the same attempt again.
      const restarted = createOpenAiTrainingBackend({ url: sim.url, apiKey: 'k-test' });
      const again = await restarted.start(request(snapshot, 'sft'));
      assert.equal(again.id, submitted.id, 'the job submitted before the restart');
      assert.equal(again.details.file_id, submitted.details.file_id);
      assert.equal(sim.jobs.length, jobsBefore, 'no second job');
      assert.equal(sim.uploadedFiles.length, uploadsBefore, 'no second upload');
      assert.equal(last(await pollToEnd(restarted, again)).state, 'succeeded');

      // Another attempt or the next stage is a new job.
      const retry = await restarted.start({ ...request(snapshot, 'sft'), attempt: 2 });
      const dpo = await restarted.start(request(snapshot, 'dpo', 'ft:sft-model'));
      assert.equal(new Set([submitted.id, retry.id, dpo.id]).size, 3);
      assert.equal(sim.jobs.length, jobsBefore + 2);
    } finally {
      await sim.close();
    }
  });

  test('a wrong API key never appears in the error (the sim echoes it back whole)', async () => {
    const sim = await startSimFineTuning({ requireApiKey: 'sk-sim-right-key' });
    try {
      const wrongKey = 'sk-wrong-secret-0123456789';
      const backend = createOpenAiTrainingBackend({ url: sim.url, apiKey: wrongKey });
      const error = await backend.start(request(writeSnapshot(), 'sft')).then(
        () => assert.fail('start should fail'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof TrainingBackendError);
      assert.equal(error.retriable, false);
      assert.match(error.message, /HTTP 401/);
      assert.match(error.message, /\[redacted\]/, 'the echoed key was there and was replaced');
      assert.equal(error.message.includes(wrongKey), false);
      assert.equal(String(error.stack).includes(wrongKey), false);
      assert.equal(sim.requests.length, 1);
    } finally {
      await sim.close();
    }
  });

  test('5xx and 429 are retriable TrainingBackendErrors; an unknown job is not', async () => {
    const sim = await startSimFineTuning();
    try {
      const backend = createOpenAiTrainingBackend({ url: sim.url, apiKey: 'k-test' });
      const snapshot = writeSnapshot();
      sim.failRequests(1, 503);
      await assert.rejects(backend.start(request(snapshot, 'sft')), (e) => e instanceof TrainingBackendError && e.retriable && /HTTP 503/.test(e.message));
      const handle = await backend.start(request(snapshot, 'sft'));
      sim.failRequests(1, 429);
      await assert.rejects(backend.poll(handle), (e) => e instanceof TrainingBackendError && e.retriable);
      await assert.rejects(backend.poll({ ...handle, id: 'ftjob-missing' }), (e) => e instanceof TrainingBackendError && !e.retriable && /HTTP 404/.test(e.message));
    } finally {
      await sim.close();
    }
  });

  test('a connection failure is retriable', async () => {
    const sim = await startSimFineTuning();
    const url = sim.url;
    await sim.close();
    const backend = createOpenAiTrainingBackend({ url, apiKey: 'k-test' });
    await assert.rejects(backend.poll({ backend: 'openai', id: 'ftjob-x', details: {} }), (e) => e instanceof TrainingBackendError && e.retriable);
  });

  test('jobs advance on a timer too (advance: ms), and the list endpoint answers through the SDK', async () => {
    const sim = await startSimFineTuning({ advance: 5 });
    try {
      const backend = createOpenAiTrainingBackend({ url: sim.url, apiKey: 'k-test' });
      const handle = await backend.start(request(writeSnapshot(), 'sft'));
      const done = last(await pollToEnd(backend, handle));
      assert.equal(done.state, 'succeeded');
      const { default: OpenAI } = await import('openai');
      const client = new OpenAI({ baseURL: sim.url, apiKey: 'k-test', maxRetries: 0 });
      const page = await client.fineTuning.jobs.list({ limit: 5 });
      assert.deepEqual(page.data.map((j) => j.id), [handle.id]);
      const file = await client.files.retrieve(handle.details.file_id!);
      assert.equal(file.purpose, 'fine-tune');
    } finally {
      await sim.close();
    }
  });
});

describe('openai backend pure parts', () => {
  const job = (changes: Partial<FineTuningJob>): FineTuningJob => ({
    id: 'ftjob-1', object: 'fine_tuning.job', created_at: 0, error: null, fine_tuned_model: null, finished_at: null, hyperparameters: {}, model: 'm',
    organization_id: 'o', result_files: [], seed: 1, status: 'queued', trained_tokens: null, training_file: 'f', validation_file: null, ...changes,
  });
  test('status mapping', () => {
    for (const status of ['validating_files', 'queued', 'running'] as const) assert.equal(jobStatus(job({ status }), []).state, 'running');
    assert.deepEqual(jobStatus(job({ status: 'succeeded', fine_tuned_model: 'ft:m', trained_tokens: 7 }), []), { state: 'succeeded', model: 'ft:m', metrics: { trained_tokens: 7 } });
    assert.equal(jobStatus(job({ status: 'succeeded' }), []).state, 'failed', 'succeeded without a model is a failure');
    assert.deepEqual(jobStatus(job({ status: 'cancelled' }), []), { state: 'cancelled', metrics: {} });
    const running = jobStatus(job({ status: 'running' }), [
      { id: 'e2', object: 'fine_tuning.job.event', created_at: 2, level: 'info', message: 'Step 5/10', type: 'metrics', data: { step: 5, train_loss: 0.5, note: 'x' } },
      { id: 'e1', object: 'fine_tuning.job.event', created_at: 1, level: 'info', message: 'Step 4/10', type: 'metrics', data: { step: 4, train_loss: 0.7 } },
    ]);
    assert.deepEqual(running, { state: 'running', metrics: { step: 5, train_loss: 0.5 }, progress: 'Step 5/10' });
  });
  test('model suffix is short and from the job id', () => {
    assert.equal(modelSuffix('tj_ABCdef_0123456789xyz'), 'tj-abcdef-01234567');
    assert.ok(modelSuffix('tj_ABCdef_0123456789xyz').length <= 18);
    assert.equal(modelSuffix('___'), 'insitu');
  });
});

// ---- command backend with real shell scripts ----

/** Parses the flat YAML the backend writes, with YAML 1.1 scalar rules (what PyYAML reads). */
function parseFlatYaml(text: string): Record<string, string | number | boolean> {
  const map: Record<string, string | number | boolean> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*): (.*)$/.exec(line);
    assert.ok(m, `not a flat YAML line: ${line}`);
    const raw = m[2]!;
    if (raw.startsWith('"')) map[m[1]!] = JSON.parse(raw) as string;
    else if (raw === 'true' || raw === 'false') map[m[1]!] = raw === 'true';
    else if (/^[-+]?(0|[1-9][0-9]*)$/.test(raw)) map[m[1]!] = Number(raw);
    else if (/^[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?$/.test(raw)) map[m[1]!] = Number(raw); // YAML 1.1 float: a dot, a signed exponent
    else assert.fail(`${m[1]}: ${raw} would be a string to PyYAML`);
  }
  return map;
}

function script(body: string): string {
  const dir = tempDir('script');
  const path = join(dir, 'train.sh');
  writeFileSync(path, body);
  return `sh ${path}`;
}

/** Members of a process group that are not zombies (read from /proc: kill(0) also finds zombies). */
function liveGroupMembers(group: number): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(pgrp) === group && state !== 'Z' && state !== 'X' ? [pid] : [];
      } catch {
        return [];
      }
    });
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const readJsonl = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('command training backend (real processes)', () => {
  test('llama-factory SFT: data, dataset_info and YAML written; env without secrets; INSITU_MODEL is the model', async () => {
    const secret = 'sk-trainer-secret-should-not-leak';
    process.env.INSITU_TRAINER_API_KEY = secret;
    try {
      const command = script('env > seen-env.txt\necho "{\\"loss\\": 1.5, \\"epoch\\": 0.5}"\necho "step=3 loss=0.75"\necho INSITU_MODEL=my-model\necho done\n');
      const backend = createCommandTrainingBackend({ command, format: 'llama-factory', template: 'llama3' });
      const snapshot = writeSnapshot();
      const handle = await backend.start(request(snapshot, 'sft'));
      const runDir = join(snapshot, 'sft');
      assert.equal(handle.backend, 'command');
      assert.equal(handle.id, runDir);
      assert.equal(handle.details.stage, 'sft');
      assert.ok(Number(handle.details.pid) > 0);

      const done = last(await pollToEnd(backend, handle));
      assert.ok(done.state === 'succeeded', JSON.stringify(done));
      assert.equal(done.model, 'my-model');
      assert.equal(done.metrics.loss, 0.75, 'the newest line wins');
      assert.equal(done.metrics.epoch, 0.5);
      assert.equal(done.metrics.step, 3);
      assert.equal(done.metrics.log_lines, 4);

      const yaml = parseFlatYaml(readFileSync(join(runDir, 'sft.yaml'), 'utf8'));
      assert.equal(yaml.learning_rate, 5e-6);
      assert.equal(yaml.stage, 'sft');
      assert.equal(yaml.model_name_or_path, 'base-model');
      assert.equal(yaml.do_train, true);
      assert.equal(yaml.finetuning_type, 'full');
      assert.equal(yaml.template, 'llama3', 'the configured chat template');
      assert.equal(yaml.lora_rank, undefined);
      assert.equal(yaml.dataset, 'insitu_sft');
      assert.equal(yaml.dataset_dir, runDir);
      assert.equal(yaml.output_dir, join(runDir, 'output'));
      assert.equal(yaml.num_train_epochs, 1);
      assert.equal(yaml.per_device_train_batch_size! as number * (yaml.gradient_accumulation_steps as number), 128);
      assert.equal(yaml.lr_scheduler_type, 'cosine');
      assert.equal(yaml.warmup_ratio, 0.1);
      assert.equal(yaml.mask_history, true);
      assert.equal(yaml.report_to, 'none');

      const info = readJson(join(runDir, 'dataset_info.json'));
      assert.deepEqual(info.insitu_sft.columns, { messages: 'conversations', system: 'system' });
      const rows = readJson(join(runDir, info.insitu_sft.file_name)) as { conversations: { from: string; value: string }[]; system: string }[];
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.equal(row.conversations.length % 2, 0);
        row.conversations.forEach((t, i) => assert.equal(t.from, i % 2 === 0 ? 'human' : 'gpt'));
      }
      assert.equal(rows[1]!.system, 'You are a concise assistant.');
      assert.equal(rows[1]!.conversations[3]!.value, PAIRS[1]!.chosen.content);

      const env = readFileSync(join(runDir, 'seen-env.txt'), 'utf8');
      assert.match(env, new RegExp(`^INSITU_TRAIN_CONFIG=${join(runDir, 'sft.yaml')}$`, 'm'));
      assert.match(env, new RegExp(`^INSITU_TRAIN_DATA_DIR=${runDir}$`, 'm'));
      assert.match(env, /^INSITU_TRAIN_STAGE=sft$/m);
      assert.match(env, new RegExp(`^INSITU_TRAIN_OUTPUT_DIR=${join(runDir, 'output')}$`, 'm'));
      assert.match(env, /^INSITU_TRAIN_MODEL=base-model$/m);
      assert.equal(env.includes(secret), false);
      assert.equal(env.includes('INSITU_TRAINER_API_KEY'), false);
      assert.deepEqual(Object.keys(readJson(join(runDir, 'status.json'))).sort(), ['exit_code', 'finished_at', 'signal']);
    } finally {
      delete process.env.INSITU_TRAINER_API_KEY;
    }
  });

  test('llama-factory DPO: ranking data from the train pairs, pref_beta; no INSITU_MODEL -> the output folder', async () => {
    const backend = createCommandTrainingBackend({ command: 'echo training', format: 'llama-factory', template: 'llama3' });
    const snapshot = writeSnapshot();
    const handle = await backend.start(request(snapshot, 'dpo', 'sft-model'));
    const runDir = join(snapshot, 'dpo');
    const done = last(await pollToEnd(backend, handle));
    assert.deepEqual(done, { state: 'succeeded', model: join(runDir, 'output'), metrics: { log_lines: 1 } });
    const yaml = parseFlatYaml(readFileSync(join(runDir, 'dpo.yaml'), 'utf8'));
    assert.equal(yaml.stage, 'dpo');
    assert.equal(yaml.pref_beta, 0.1);
    assert.equal(yaml.pref_loss, 'sigmoid');
    assert.equal(yaml.learning_rate, 5e-7);
    assert.equal(yaml.model_name_or_path, 'sft-model');
    assert.equal(yaml.dataset, LLAMA_FACTORY_DATASET);
    assert.equal(yaml.per_device_train_batch_size! as number * (yaml.gradient_accumulation_steps as number), 32);
    const info = readJson(join(runDir, 'dataset_info.json'));
    assert.equal(info[LLAMA_FACTORY_DATASET].ranking, true);
    const rows = readJson(join(runDir, info[LLAMA_FACTORY_DATASET].file_name)) as unknown[];
    assert.equal(rows.length, 2);
    for (const row of rows) assert.deepEqual(validateLlamaFactoryLine(row), []);
  });

  test('a failing command: exit code and the log tail, bounded and free of secrets', async () => {
    const secret = 'sk-judge-secret-in-the-log';
    process.env.INSITU_JUDGE_API_KEY = secret;
    try {
      const command = script(`for i in 1 2 3 4 5 6 7; do echo "line $i"; done\necho "leaked ${secret}"\necho "Traceback: CUDA out of memory" >&2\nexit 3\n`);
      const backend = createCommandTrainingBackend({ command, format: 'llama-factory', template: 'llama3' });
      const done = last(await pollToEnd(backend, await backend.start(request(writeSnapshot(), 'sft'))));
      assert.ok(done.state === 'failed', JSON.stringify(done));
      assert.match(done.error, /^exit code 3/);
      assert.match(done.error, /CUDA out of memory/);
      assert.match(done.error, /line 7/);
      assert.equal(done.error.includes('line 2'), false, 'only the last lines');
      assert.equal(done.error.includes(secret), false);
    } finally {
      delete process.env.INSITU_JUDGE_API_KEY;
    }
  });

  test('cancel stops a sleeping command and its process group', async () => {
    const command = script('echo started\nsleep 30\necho never\n');
    const backend = createCommandTrainingBackend({ command, format: 'trl' });
    const handle = await backend.start(request(writeSnapshot(), 'sft'));
    for (;;) {
      const status = await backend.poll(handle);
      assert.equal(status.state, 'running');
      if (status.state === 'running' && status.progress === 'started') break;
      await sleep(20);
    }
    await backend.cancel(handle);
    assert.equal((await backend.poll(handle)).state, 'cancelled');
    assert.deepEqual(liveGroupMembers(Number(handle.details.pid)), []);
    assert.equal(readFileSync(join(handle.id, 'train.log'), 'utf8').includes('never'), false);
  });

  test('cancel escalates to SIGKILL when the command ignores SIGTERM', async () => {
    const command = script("trap '' TERM\necho ready\nwhile :; do sleep 0.05; done\n");
    const backend = createCommandTrainingBackend({ command, format: 'trl', killGraceMs: 200 });
    const handle = await backend.start(request(writeSnapshot(), 'sft'));
    while (((await backend.poll(handle)) as { progress?: string }).progress !== 'ready') await sleep(20);
    await backend.cancel(handle);
    assert.deepEqual(liveGroupMembers(Number(handle.details.pid)), []);
    assert.equal((await backend.poll(handle)).state, 'cancelled');
  });

  test('trl: conversational JSONL and a JSON config with TRL field names', async () => {
    const backend = createCommandTrainingBackend({ command: 'test -f "$INSITU_TRAIN_CONFIG"', format: 'trl' });
    const snapshot = writeSnapshot();
    for (const stage of ['sft', 'dpo'] as const) {
      const done = last(await pollToEnd(backend, await backend.start(request(snapshot, stage))));
      assert.equal(done.state, 'succeeded');
    }
    const sftConfig = readJson(join(snapshot, 'sft', 'sft.json'));
    assert.equal(sftConfig.learning_rate, 5e-6);
    assert.equal(sftConfig.num_train_epochs, 1);
    assert.equal(sftConfig.lr_scheduler_type, 'cosine');
    assert.equal(sftConfig.warmup_ratio, 0.1);
    assert.equal(sftConfig.per_device_train_batch_size * sftConfig.gradient_accumulation_steps, 128);
    assert.equal(sftConfig.output_dir, join(snapshot, 'sft', 'output'));
    assert.equal(sftConfig.model_name_or_path, 'base-model');
    const sftRows = readJsonl(sftConfig.dataset_path);
    assert.equal(sftRows.length, 2);
    assert.deepEqual(sftRows[1], { messages: [...PAIRS[1]!.prompt, { role: 'assistant', content: PAIRS[1]!.chosen.content }] });

    const dpoConfig = readJson(join(snapshot, 'dpo', 'dpo.json'));
    assert.equal(dpoConfig.beta, 0.1);
    assert.equal(dpoConfig.learning_rate, 5e-7);
    assert.equal(dpoConfig.per_device_train_batch_size * dpoConfig.gradient_accumulation_steps, 32);
    const dpoRows = readJsonl(dpoConfig.dataset_path);
    assert.equal(dpoRows.length, 2);
    for (const row of dpoRows) assert.deepEqual(validateTrlLine(row), []);
  });

  test('a trainer restart: a new backend follows a run that outlives it, and reports a vanished one as failed', async () => {
    const snapshot = writeSnapshot();
    const marker = join(snapshot, 'go');
    // The run waits for a file, so the first backend is "gone" (never polled again) while it runs.
    const command = script(`while [ ! -f ${marker} ]; do sleep 0.02; done\necho INSITU_MODEL=after-restart\n`);
    const first = createCommandTrainingBackend({ command, format: 'llama-factory', template: 'llama3' });
    const handle = JSON.parse(JSON.stringify(await first.start(request(snapshot, 'sft')))) as StageHandle;
    const second = createCommandTrainingBackend({ command, format: 'llama-factory', template: 'llama3' });
    assert.equal((await second.poll(handle)).state, 'running', 'a live process of an earlier trainer is still running');
    writeFileSync(marker, '');
    const done = last(await pollToEnd(second, handle));
    assert.ok(done.state === 'succeeded', JSON.stringify(done));
    assert.equal(done.model, 'after-restart');

    // A process that is gone without status.json (the trainer and the run were killed together).
    const gone = spawnSync('/bin/true');
    const runDir = join(writeSnapshot(), 'sft');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'train.log'), 'loading model\n');
    const lost = await second.poll({ backend: 'command', id: runDir, details: { pid: String(gone.pid), stage: 'sft' } });
    assert.ok(lost.state === 'failed');
    assert.match(lost.error, /the training process is gone \(trainer restarted\?\)/);
  });

  test('a trainer restarted between starting the command and recording its handle follows that run: no second command', async () => {
    const snapshot = writeSnapshot();
    const marker = join(snapshot, 'go');
    const starts = join(snapshot, 'starts');
    const command = script(`echo started >> ${starts}\nwhile [ ! -f ${marker} ]; do sleep 0.02; done\necho INSITU_MODEL=once\n`);
    const first = await createCommandTrainingBackend({ command, format: 'llama-factory', template: 'llama3' }).start(request(snapshot, 'sft'));
    const restarted = createCommandTrainingBackend({ command, format: 'llama-factory', template: 'llama3' });
    const again = await restarted.start(request(snapshot, 'sft'));
    assert.deepEqual(again, first, 'the same run');
    writeFileSync(marker, '');
    const done = last(await pollToEnd(restarted, again));
    assert.ok(done.state === 'succeeded' && done.model === 'once', JSON.stringify(done));
    assert.equal(readFileSync(starts, 'utf8'), 'started\n', 'the command ran once');
    // Once over, the same attempt still finds it; the next attempt runs the command again.
    assert.deepEqual(await restarted.start(request(snapshot, 'sft')), first);
    const retry = await restarted.start({ ...request(snapshot, 'sft'), attempt: 2 });
    assert.notEqual(retry.details.pid, first.details.pid);
    await pollToEnd(restarted, retry);
    assert.equal(readFileSync(starts, 'utf8'), 'started\nstarted\n');
  });

  test('a snapshot with no usable lines is refused before anything runs', async () => {
    const backend = createCommandTrainingBackend({ command: 'touch ran', format: 'llama-factory', template: 'llama3' });
    const snapshot = writeSnapshot({ sft: 'not json\n{"messages":[{"role":"user","content":"only a question"}]}\n' });
    await assert.rejects(backend.start(request(snapshot, 'sft')), (e) => e instanceof TrainingBackendError && /no usable sft data/.test(e.message) && /2 lines skipped/.test(e.message));
  });

  test('llama-factory without a chat template is refused before anything runs; lora writes adapter settings', async () => {
    const snapshot = writeSnapshot();
    const bare = createCommandTrainingBackend({ command: 'touch ran', format: 'llama-factory' });
    await assert.rejects(bare.start(request(snapshot, 'sft')), (e) => e instanceof TrainingBackendError && !e.retriable && /INSITU_LLAMAFACTORY_TEMPLATE/.test(e.message));
    assert.equal(existsSync(join(snapshot, 'sft', 'ran')), false);

    const lora = createCommandTrainingBackend({ command: 'true', format: 'llama-factory', template: 'qwen', finetuningType: 'lora' });
    assert.equal(last(await pollToEnd(lora, await lora.start(request(snapshot, 'sft')))).state, 'succeeded');
    const yaml = parseFlatYaml(readFileSync(join(snapshot, 'sft', 'sft.yaml'), 'utf8'));
    assert.deepEqual([yaml.finetuning_type, yaml.lora_rank, yaml.lora_target, yaml.template], ['lora', 8, 'all', 'qwen']);

    const trl = createCommandTrainingBackend({ command: 'true', format: 'trl', finetuningType: 'lora' });
    assert.equal(last(await pollToEnd(trl, await trl.start(request(snapshot, 'dpo')))).state, 'succeeded');
    const config = readJson(join(snapshot, 'dpo', 'dpo.json'));
    assert.deepEqual([config.use_peft, config.lora_r, config.lora_target_modules], [true, 8, 'all-linear']);
  });

  test('INSITU_LLAMAFACTORY_TEMPLATE and INSITU_FINETUNING_TYPE are checked at config load', () => {
    const env = { INSITU_TRAINER: 'command', INSITU_TRAINER_COMMAND: 'llamafactory-cli train $INSITU_TRAIN_CONFIG', INSITU_TRAIN_BASE_MODEL: 'm' };
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === 'INSITU_LLAMAFACTORY_TEMPLATE' && /llama3/.test(e.message));
    assert.throws(() => loadConfig({ ...env, INSITU_LLAMAFACTORY_TEMPLATE: 'llama 3' }), (e: unknown) => e instanceof ConfigError && e.variable === 'INSITU_LLAMAFACTORY_TEMPLATE');
    assert.throws(() => loadConfig({ ...env, INSITU_LLAMAFACTORY_TEMPLATE: 'llama3', INSITU_FINETUNING_TYPE: 'qlora' }), (e: unknown) => e instanceof ConfigError && e.variable === 'INSITU_FINETUNING_TYPE' && /full, lora/.test(e.message));
    assert.deepEqual(loadConfig({ ...env, INSITU_LLAMAFACTORY_TEMPLATE: 'llama3' }).training.backend, { kind: 'command', command: env.INSITU_TRAINER_COMMAND, format: 'llama-factory', template: 'llama3', finetuningType: 'full' });
    assert.equal(loadConfig({ ...env, INSITU_TRAINER_FORMAT: 'trl', INSITU_FINETUNING_TYPE: 'lora' }).training.backend?.kind, 'command', 'TRL needs no template');
  });

  test('createTrainingBackend picks the configured kind', () => {
    assert.equal(createTrainingBackend({ kind: 'openai', url: 'http://127.0.0.1:1/v1', apiKey: undefined }).kind, 'openai');
    assert.equal(createTrainingBackend({ kind: 'command', command: 'true', format: 'trl' }).kind, 'command');
  });
});

describe('command backend pure parts', () => {
  test('YAML numbers are floats to PyYAML; strings are quoted safely', () => {
    assert.equal(yamlNumber(5e-6), '0.000005');
    assert.equal(yamlNumber(5e-7), '5.0e-7');
    assert.equal(yamlNumber(1.5e-7), '1.5e-7');
    assert.equal(yamlNumber(0.1), '0.1');
    assert.equal(yamlNumber(128), '128');
    const yaml = toYaml({ a: 'x: "y" #z\nnext\u2028', b: true, c: 2e-5 });
    assert.deepEqual(parseFlatYaml(yaml), { a: 'x: "y" #z\nnext\u2028', b: true, c: 2e-5 });
    assert.equal(yaml.split('\n').length, 4, 'one line per key');
    assert.throws(() => toYaml({ 'bad key': 1 }), RangeError);
  });

  test('log metrics: JSON, Python dicts and key=value', () => {
    assert.deepEqual(lineMetrics('{"loss": 0.5, "epoch": 1, "name": "x"}'), { loss: 0.5, epoch: 1 });
    assert.deepEqual(lineMetrics("{'loss': 1.2345, 'grad_norm': 3.5, 'learning_rate': 4.5e-06, 'epoch': 0.25}"), { loss: 1.2345, grad_norm: 3.5, learning_rate: 4.5e-6, epoch: 0.25 });
    assert.deepEqual(lineMetrics('step=10 train/loss=0.25, lr=1e-5 note=abc'), { step: 10, 'train/loss': 0.25, lr: 1e-5 });
    assert.deepEqual(lineMetrics('at 12:30 nothing here'), {});
  });

  test('the command environment drops every INSITU_ variable and adds the run\'s', () => {
    const env = trainingEnvironment({ PATH: '/bin', HF_TOKEN: 'h', INSITU_TRAINER_API_KEY: 's', INSITU_REDIS_URL: 'redis://:p@h' }, { INSITU_TRAIN_STAGE: 'sft' });
    assert.deepEqual(env, { PATH: '/bin', HF_TOKEN: 'h', INSITU_TRAIN_STAGE: 'sft' });
  });

  test('SFT lines become sharegpt rows ending with the response; unusable ones are refused', () => {
    const row = llamaFactorySftRow(sftLine(PAIRS[1]!))!;
    assert.equal(row.system, 'You are a concise assistant.');
    assert.deepEqual(row.conversations.map((t) => t.from), ['human', 'gpt', 'human', 'gpt']);
    assert.equal(llamaFactorySftRow({ messages: [{ role: 'assistant', content: 'hi' }] }), null);
    assert.equal(llamaFactorySftRow({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: ' ' }] }), null);
  });
});
