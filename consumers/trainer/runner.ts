// The trainer on the bus: counts accepted pairs from insitu.preferences into a state counter, and on the lease
// holder only, ticks the scheduler (policy.ts) and drives the jobs (driver.ts) against the training backend,
// publishing each step to insitu.training keyed by job_id. Jobs live in state (jobs.ts), so a restarted or
// newly elected trainer resumes polling the unfinished ones. `insitu train --now` takes the same path through
// runTrainingNow, or, while a trainer leads, leaves it a request (requests.ts) that the leader serves.
import { configSecrets, redactSecrets } from '../../src/secrets.js';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Config } from '../../src/config.js';
import { createPoisonGuard } from '../../src/bus/dead-letter/index.js';
import { InsituError, TrainingBackendError } from '../../src/errors.js';
import type { TrainingEvent } from '../../src/events/training.js';
import { validatePreferencePair, validateTrainingEvent } from '../../src/events/validate.js';
import { digest, ulid } from '../../src/ids.js';
import { resolve } from 'node:path';
import { describeError, type Logger } from '../../src/log.js';
import type { Runtime } from '../../src/runtime.js';
import type { StateStore } from '../../src/state/types.js';
import { TOPICS } from '../../src/topics.js';
import type { ConsumerDefinition, RunningConsumer } from '../index.js';
import type { TrainingBackend } from './backend.js';
import { hyperparametersFrom, newJob, nextAction, step, type Observation, type Step } from './driver.js';
import { createJobStore, isTerminal, trainerKeys, type JobStore, type TrainerKeys, type TrainingJob } from './jobs.js';
import { createLease, renewEveryMs } from './lease.js';
import { answerTrainRequest, awaitTrainRequest, pendingTrainRequest, requestedJobId, submitTrainRequest } from './requests.js';
import { shouldTrain, type TrainingPolicy } from './policy.js';
import { trainsOn, writeSnapshot } from './snapshot.js';
import { readDataset } from '../../src/dataset/reader.js';

export const TRAINER_GROUP = 'insitu.trainer';

export type BackendFactory = (backend: NonNullable<Config['training']['backend']>, logger: Logger) => TrainingBackend;

export interface TrainerOptions {
  /** The backend to use; default: built from config.training.backend with createBackend. */
  backend?: TrainingBackend;
  /** Default: createTrainingBackend from ./backends. */
  createBackend?: BackendFactory;
  /** Prefix of every state key (tests isolate runs with it). Default insitu:trainer. */
  keyPrefix?: string;
  /** This replica's lease owner id. */
  owner?: string;
  /** Scheduler tick. Default min(INSITU_TRAIN_POLL_INTERVAL, 5 s). */
  tickMs?: number;
  /** How often a running stage is polled. Default INSITU_TRAIN_POLL_INTERVAL. */
  pollMs?: number;
  /** Leader lease TTL; renewed every third of it. Default 30 s. */
  leaseTtlMs?: number;
  /** Default INSITU_TRAIN_BASE_MODEL. */
  baseModel?: string;
  /** How long a counted pair_id is remembered (re-deliveries within it are not counted again). Default 7 days. */
  seenTtlMs?: number;
}

interface Context {
  runtime: Runtime;
  log: Logger;
  backend: TrainingBackend | undefined;
  /** Whether we built the backend (and close it). */
  ownsBackend: boolean;
  baseModel: string;
  jobs: JobStore;
  keys: TrainerKeys;
  owner: string;
  tickMs: number;
  pollMs: number;
  leaseTtlMs: number;
}

async function createContext(runtime: Runtime, options: TrainerOptions, log: Logger): Promise<Context> {
  const training = runtime.config.training;
  let backend = options.backend;
  let ownsBackend = false;
  if (!backend && training.backend) {
    const create = options.createBackend ?? (await import('./backends/index.js')).createTrainingBackend;
    backend = create(training.backend, runtime.logger.child('trainer-backend'));
    ownsBackend = true;
  }
  const baseModel = options.baseModel ?? training.baseModel;
  if (backend && !baseModel) throw new InsituError('the trainer needs a base model (INSITU_TRAIN_BASE_MODEL)');
  return {
    runtime, log, backend, ownsBackend, baseModel: baseModel ?? '', jobs: createJobStore(runtime.state, { prefix: options.keyPrefix }), keys: trainerKeys(options.keyPrefix),
    owner: options.owner ?? `${hostname()}-${process.pid}-${ulid().slice(-6)}`,
    tickMs: options.tickMs ?? Math.min(training.pollIntervalMs, 5000), pollMs: options.pollMs ?? training.pollIntervalMs, leaseTtlMs: options.leaseTtlMs ?? 30_000,
  };
}

// ---- events and job records ----

function eventRecord(event: TrainingEvent) {
  const valid = validateTrainingEvent(event);
  if (!valid.ok) throw new InsituError(`invalid TrainingEvent for ${event.job_id}: ${valid.errors.slice(0, 3).join('; ')}`);
  return { topic: TOPICS.training, key: event.job_id, value: JSON.stringify(event), headers: { 'insitu-schema': 'insitu.training', 'insitu-version': String(event.version), 'insitu-event-id': event.event_id } };
}

/** Publishes the job's unpublished events (ids are deterministic: a re-publish after a crash is a duplicate). */
async function flush(ctx: Context, job: TrainingJob): Promise<TrainingJob> {
  if (job.unpublished.length === 0) return job;
  await ctx.runtime.bus.publish(job.unpublished.map(eventRecord));
  const done = { ...job, unpublished: [] };
  await ctx.jobs.put(done);
  return done;
}

/** Writes the step's record (events included), then publishes them. */
async function commit(ctx: Context, s: Step): Promise<TrainingJob> {
  await ctx.jobs.put(s.job);
  return flush(ctx, s.job);
}

export type Progress = (job: TrainingJob, events: TrainingEvent[]) => void;

/** A backend's error text as it may appear in an event: never the API key, and bounded. */
function clean(ctx: Context, text: string): string {
  const redacted = redactSecrets(text, configSecrets(ctx.runtime.config));
  return redacted.length > 2000 ? `${redacted.slice(0, 2000)}...` : redacted;
}

/** What the backend says now, or undefined when it could not be asked (tried again on the next tick). */
async function observe(ctx: Context, job: TrainingJob): Promise<Observation | undefined> {
  const backend = ctx.backend!;
  const action = nextAction(job);
  if (action.kind === 'done') return undefined;
  if (await ctx.jobs.cancelRequested(job.job_id)) {
    if (action.kind === 'poll') {
      await backend.cancel(action.handle).catch((error) => ctx.log.warn('backend could not cancel the stage; marking the job cancelled', { job_id: job.job_id, error }));
    }
    return { kind: 'cancel' };
  }
  if (action.kind === 'start') {
    try {
      const handle = await backend.start({ jobId: job.job_id, attempt: job.attempt, stage: action.stage, model: action.model, snapshotDir: job.dataset.snapshot_dir, hyperparameters: job.hyperparameters });
      return { kind: 'started', stage: action.stage, handle };
    } catch (error) {
      if (error instanceof TrainingBackendError && error.retriable) {
        ctx.log.warn('stage could not start yet; retrying', { job_id: job.job_id, stage: action.stage, error });
        return undefined;
      }
      return { kind: 'start-failed', stage: action.stage, error: clean(ctx, error instanceof Error ? error.message : String(error)) };
    }
  }
  try {
    const status = await backend.poll(action.handle);
    return { kind: 'status', status: status.state === 'failed' ? { ...status, error: clean(ctx, status.error) } : status };
  } catch (error) {
    ctx.log.warn('could not poll the stage; retrying', { job_id: job.job_id, error });
    return undefined;
  }
}

/** Moves a job on as far as it goes without waiting: starts stages, or polls the running one once. */
async function driveJob(ctx: Context, job: TrainingJob, progress?: Progress): Promise<TrainingJob> {
  job = await flush(ctx, job);
  for (let i = 0; i < 6 && !isTerminal(job); i++) {
    const observation = await observe(ctx, job);
    if (!observation) break;
    const s = step(job, observation, { retries: ctx.runtime.config.training.retries });
    job = await commit(ctx, s);
    if (s.events.length > 0) progress?.(job, s.events);
    if (s.action.kind !== 'start') break; // a poll waits for the next tick
  }
  return job;
}

/** Snapshots the datasets and creates a queued job; null when there is no train pair. */
async function createJob(ctx: Context, reason: string, progress?: Progress, jobId = `job_${ulid()}`): Promise<TrainingJob | null> {
  const { config } = ctx.runtime;
  const hyperparameters = hyperparametersFrom(config.training);
  await waitForStore(ctx);
  const { dataset } = await writeSnapshot({ dataDir: config.dataDir, jobId, testFraction: config.training.testFraction, hyperparameters, tenants: config.training.tenants });
  if (dataset.train_pairs === 0) {
    await rm(dataset.snapshot_dir, { recursive: true, force: true }); // no job: no folder left behind
    ctx.log.info('nothing to train on: no accepted pair in the dataset store yet', { data_dir: config.dataDir });
    return null;
  }
  const s = newJob({ jobId, backend: ctx.backend!.kind, baseModel: ctx.baseModel, dataset, hyperparameters, reason });
  await ctx.runtime.state.set(ctx.keys.lastRun, String(Date.now()));
  const job = await commit(ctx, s);
  progress?.(job, s.events);
  ctx.log.info('training job created', { job_id: jobId, reason, train_pairs: dataset.train_pairs, test_pairs: dataset.test_pairs });
  return job;
}

const STORE_WAIT_MS = 30_000;

/** Pairs counted for the dataset store at this data folder (replicas sharing a volume share the count). */
const pairsSeenKey = (keys: TrainerKeys, dataDir: string) => `${keys.pairsSeen}:${digest(resolve(dataDir))}`;

/**
 * The trainer counts pairs as they reach insitu.preferences; the dataset store (another consumer, maybe
 * another process) writes them to disk a moment later. Before a snapshot, wait (bounded) until the store
 * holds at least every pair counted, so the pairs that triggered a run are in it.
 */
async function waitForStore(ctx: Context): Promise<void> {
  const included = trainsOn(ctx.runtime.config.training.tenants);
  const expected = await readCounter(ctx.runtime.state, pairsSeenKey(ctx.keys, ctx.runtime.config.dataDir));
  const deadline = Date.now() + STORE_WAIT_MS;
  for (;;) {
    let stored = 0;
    for await (const p of readDataset({ dataDir: ctx.runtime.config.dataDir, kind: 'pairs' })) if (included(p.tenant)) stored++;
    if (stored >= expected) return;
    if (Date.now() > deadline) {
      ctx.log.warn('the dataset store holds fewer pairs than were counted; snapshotting what it has', { stored, counted: expected });
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function readCounter(state: StateStore, key: string): Promise<number> {
  return Number((await state.get(key)) ?? 0) || 0;
}

/** Takes `used` off the new-pair counter with compare-and-set, so pairs counted meanwhile are kept. */
async function consumeCounter(state: StateStore, key: string, used: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const raw = await state.get(key);
    if (raw === null) return;
    const left = Math.max(0, (Number(raw) || 0) - used);
    if (await state.setIfEquals(key, raw, String(left))) return;
  }
}

// ---- the consumer ----

export interface TrainerCounters {
  pairsCounted: number;
  pairsRedelivered: number;
  jobsCreated: number;
  ticks: number;
}

export interface RunningTrainer extends RunningConsumer {
  isLeader(): boolean;
  counters(): TrainerCounters;
}

/** Runs fn every ms (never two at once) until stopped; stop() waits for the run in flight. */
function every(ms: number, fn: () => Promise<void>, onError: (error: unknown) => void) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const run = () => {
    running = fn().catch(onError).finally(() => {
      if (!stopped) timer = setTimeout(run, ms);
    });
  };
  timer = setTimeout(run, 0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export async function startTrainer(runtime: Runtime, options: TrainerOptions = {}): Promise<RunningTrainer> {
  const { state, config } = runtime;
  const log = runtime.logger.child('trainer');
  const ctx = await createContext(runtime, options, log);
  const { keys } = ctx;
  const seenTtlMs = options.seenTtlMs ?? 7 * 24 * 3600_000;
  const trainsOnTenant = trainsOn(config.training.tenants);
  const counters: TrainerCounters = { pairsCounted: 0, pairsRedelivered: 0, jobsCreated: 0, ticks: 0 };
  // Unreadable pairs go to insitu.dlq (the dataset store, reading the same topic, dead-letters them too, under its own group).
  const guard = createPoisonGuard({ bus: runtime.bus, group: TRAINER_GROUP, maxAttempts: config.dlqMaxAttempts, logger: log, secrets: configSecrets(config) });

  const subscription = await runtime.bus.subscribe({
    group: TRAINER_GROUP,
    topics: [TOPICS.preferences],
    fromBeginning: true,
    handler: async (records) => {
      for (const record of records) {
        const pair = await guard.read(record, validatePreferencePair, 'PreferencePair');
        if (!pair || !pair.accepted || !trainsOnTenant(pair.tenant)) continue;
        await guard.run(record, async () => {
          // The marker makes counting idempotent for re-delivered pairs.
          if (await state.set(keys.seenPair(pair.pair_id), '1', { onlyIfAbsent: true, ttlMs: seenTtlMs })) {
            await state.incr(keys.newPairs);
            await state.incr(pairsSeenKey(keys, config.dataDir));
            counters.pairsCounted++;
          } else counters.pairsRedelivered++;
        });
      }
    },
    onError: (error, records) => log.warn('batch failed; retrying', { error, records: records.length }),
  });

  if (!ctx.backend) {
    log.info('training is off (INSITU_TRAINER unset): counting new accepted pairs only', { counter: keys.newPairs });
    return { close: () => subscription.close(), isLeader: () => false, counters: () => ({ ...counters }) };
  }

  const policy: TrainingPolicy = { minPairs: config.training.minPairs, intervalMs: config.training.intervalMs, cron: config.training.cron };
  const lease = createLease({ state, key: keys.lease, ttlMs: ctx.leaseTtlMs, owner: ctx.owner });
  let leader = false;
  const lastPolled = new Map<string, number>();
  const cronKey = keys.cronChecked;

  const leaseLoop = every(renewEveryMs(ctx.leaseTtlMs), async () => {
    const held = leader ? await lease.renew() : await lease.acquire();
    if (held !== leader) log.info(held ? 'leader: this replica schedules training' : 'lost the trainer lease: stopped scheduling', { owner: ctx.owner });
    leader = held;
  }, (error) => {
    leader = false; // cannot tell whether we still hold it: stop triggering
    log.warn('lease renewal failed', { error });
  });

  async function tick(): Promise<void> {
    if (!leader) return;
    counters.ticks++;
    const now = Date.now();
    const active = await ctx.jobs.active();
    for (const job of active) {
      if (!leader) return;
      if (nextAction(job).kind === 'poll' && now - (lastPolled.get(job.job_id) ?? 0) < ctx.pollMs) continue;
      lastPolled.set(job.job_id, now);
      const after = await driveJob(ctx, job);
      if (isTerminal(after)) {
        lastPolled.delete(after.job_id);
        log.info('training job over', { job_id: after.job_id, status: after.status, candidate_model: after.candidate_model, error: after.error });
      }
    }
    if (active.length > 0 || !leader) return; // one job at a time; pairs keep counting meanwhile
    if (await serveTrainRequest()) return;
    await state.set(keys.lastRun, String(now), { onlyIfAbsent: true }); // the interval counts from the first start
    await state.set(cronKey, String(now), { onlyIfAbsent: true });
    const newPairs = await readCounter(state, keys.newPairs);
    const lastRunAt = Number(await state.get(keys.lastRun)) || null;
    const cronLastFire = Number(await state.get(cronKey)) || null;
    const decision = shouldTrain({ newPairs, lastRunAt, now, policy, cronLastFire });
    if (policy.cron) await state.set(cronKey, String(now));
    if (!decision.train) return;
    const job = await createJob(ctx, decision.reason);
    if (!job) return;
    counters.jobsCreated++;
    await consumeCounter(state, keys.newPairs, newPairs);
    lastPolled.set(job.job_id, Date.now());
    await driveJob(ctx, job);
  }

  /** `insitu train --now` asked while we lead: train now, whatever the policy says. True when one was served. */
  async function serveTrainRequest(): Promise<boolean> {
    const request = await pendingTrainRequest(state, keys.trainRequest);
    if (!request) return false;
    const jobId = requestedJobId(request);
    const used = await readCounter(state, keys.newPairs);
    let job = await ctx.jobs.get(jobId); // created before a crash, not yet answered
    if (!job) {
      job = await createJob(ctx, `requested with insitu train --now (${request.by})`, undefined, jobId);
      if (job) {
        counters.jobsCreated++;
        await consumeCounter(state, keys.newPairs, used);
      }
    }
    await answerTrainRequest(state, keys.trainRequest, request, job ? { job_id: job.job_id } : { error: `nothing to train on: no accepted pair under ${config.dataDir}/datasets` });
    log.info('served insitu train --now', { by: request.by, job_id: job?.job_id ?? null });
    if (job && !isTerminal(job)) {
      lastPolled.set(job.job_id, Date.now());
      await driveJob(ctx, job);
    }
    return true;
  }

  const tickLoop = every(ctx.tickMs, tick, (error) => log.warn('trainer tick failed', { error: describeError(error) }));
  log.info('consuming', { from: TOPICS.preferences, to: TOPICS.training, backend: ctx.backend.kind, base_model: ctx.baseModel, owner: ctx.owner, policy });
  return {
    isLeader: () => leader,
    counters: () => ({ ...counters }),
    async close() {
      await tickLoop.stop();
      await leaseLoop.stop();
      if (leader) await lease.release().catch((error) => log.warn('could not release the lease', { error }));
      leader = false;
      await subscription.close();
      if (ctx.ownsBackend) await ctx.backend?.close?.();
      log.info('stopped', { ...counters });
    },
  };
}

export const trainer: ConsumerDefinition = {
  name: 'trainer',
  description: 'counts accepted pairs and, on schedule, fine-tunes (SFT then DPO) on a held-out split (insitu.preferences -> insitu.training)',
  start: (runtime) => startTrainer(runtime),
};

// ---- on demand (insitu train --now) and the operator's views ----

export class TrainerBusyError extends InsituError {}
export class NothingToTrainError extends InsituError {}

export interface TrainNowOptions extends TrainerOptions {
  /** Drive the job until it is over (else: queue it, start SFT and leave it to the running trainer). */
  wait?: boolean;
  /** Progress lines (the CLI writes them to stderr). */
  progress?: (line: string) => void;
  /** While a trainer leads: how long to wait for it to take the request. Default 2 minutes. */
  requestTimeoutMs?: number;
}

export function describeEvent(event: TrainingEvent): string {
  const what = event.stage ? `${event.status} (${event.stage})` : event.status;
  const extra = event.status === 'succeeded' ? ` candidate ${event.candidate_model}` : event.status === 'failed' ? ` ${event.retrying ? 'retrying' : 'giving up'}: ${event.error}` : '';
  return `${event.job_id} attempt ${event.attempt}: ${what}${extra}`;
}

/**
 * Takes the lease, snapshots, creates a job and drives it; while another trainer holds the lease, asks it to
 * train now instead (it serves the request on its next free tick) and follows the job it creates.
 */
export async function runTrainingNow(runtime: Runtime, options: TrainNowOptions = {}): Promise<TrainingJob> {
  const log = runtime.logger.child('trainer');
  const ctx = await createContext(runtime, { owner: `cli-${hostname()}-${process.pid}`, ...options }, log);
  if (!ctx.backend) throw new InsituError('training is off: set INSITU_TRAINER (and its settings) to train');
  const say = options.progress ?? (() => undefined);
  const progress: Progress = (_job, events) => events.forEach((e) => say(describeEvent(e)));
  const lease = createLease({ state: runtime.state, key: ctx.keys.lease, ttlMs: ctx.leaseTtlMs, owner: ctx.owner });
  if (!(await lease.acquire())) {
    // A trainer leads: it trains, not us (a second trainer would race it); ask it and follow the job.
    try {
      return await askTheLeader(ctx, (await lease.holder()) ?? 'just released', options, say);
    } finally {
      if (ctx.ownsBackend) await ctx.backend.close?.();
    }
  }
  let lost = false;
  const renewal = every(renewEveryMs(ctx.leaseTtlMs), async () => {
    if (!(await lease.renew())) lost = true;
  }, () => (lost = true));
  try {
    const used = await readCounter(runtime.state, ctx.keys.newPairs);
    say(`snapshotting the datasets under ${runtime.config.dataDir}`);
    let job = await createJob(ctx, 'requested with insitu train --now', progress);
    if (!job) throw new NothingToTrainError(`nothing to train on: no accepted pair under ${runtime.config.dataDir}/datasets`);
    await consumeCounter(runtime.state, ctx.keys.newPairs, used);
    say(`${job.job_id}: ${job.dataset.train_pairs} train pairs, ${job.dataset.test_pairs} test pairs, ${job.dataset.sft_examples} SFT examples in ${job.dataset.snapshot_dir}`);
    job = await driveJob(ctx, job, progress);
    while (options.wait && !isTerminal(job)) {
      if (lost) throw new TrainerBusyError(`lost the trainer lease while driving ${job.job_id}; the job is left to the trainer that holds it`);
      await new Promise((r) => setTimeout(r, ctx.pollMs));
      job = await driveJob(ctx, job, progress);
    }
    return job;
  } finally {
    await renewal.stop();
    await lease.release().catch(() => undefined);
    if (ctx.ownsBackend) await ctx.backend.close?.();
  }
}

/** How long `insitu train --now` waits for the leading trainer to take its request (default 2 minutes). */
const REQUEST_TIMEOUT_MS = 120_000;

async function askTheLeader(ctx: Context, holder: string, options: TrainNowOptions, say: (line: string) => void): Promise<TrainingJob> {
  const state = ctx.runtime.state;
  const request = await submitTrainRequest(state, ctx.keys.trainRequest, ctx.owner);
  say(`the trainer ${holder} leads: asked it to train now (request ${request.id})`);
  const everyMs = Math.min(ctx.tickMs, 1000);
  const answer = await awaitTrainRequest(state, ctx.keys.trainRequest, request.id, { timeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, everyMs });
  if (!answer) {
    const busy = (await ctx.jobs.active())[0];
    throw new TrainerBusyError(
      `the trainer holding the lease (${holder}) has not taken the request yet${busy ? `: it is busy with ${busy.job_id} (${busy.status})` : ''}; ` +
        'the request stays and is served on its next free tick (insitu jobs shows the job then)',
    );
  }
  if (answer.error !== null || answer.job_id === null) throw new NothingToTrainError(answer.error ?? 'the trainer created no job');
  let job = await ctx.jobs.get(answer.job_id);
  if (!job) throw new InsituError(`the trainer answered with ${answer.job_id}, which is not in the job store`);
  say(`${job.job_id}: ${job.dataset.train_pairs} train pairs, ${job.dataset.test_pairs} test pairs, ${job.dataset.sft_examples} SFT examples in ${job.dataset.snapshot_dir}`);
  let shown = '';
  for (;;) {
    if (job.event.event_id !== shown) {
      shown = job.event.event_id;
      say(describeEvent(job.event));
    }
    if (!options.wait || isTerminal(job)) return job;
    await new Promise((r) => setTimeout(r, everyMs));
    job = (await ctx.jobs.get(job.job_id)) ?? job;
  }
}

/** Newest first. */
export function listJobs(state: StateStore, options: { keyPrefix?: string; limit?: number } = {}): Promise<TrainingJob[]> {
  return createJobStore(state, { prefix: options.keyPrefix }).list(options.limit);
}

/**
 * Asks the trainer to cancel a job: it tells the backend and publishes `cancelled` on its next tick. Returns
 * the job as it stands (unchanged when already over), or null when there is no such job.
 */
export async function cancelJob(state: StateStore, jobId: string, options: { keyPrefix?: string } = {}): Promise<TrainingJob | null> {
  const jobs = createJobStore(state, { prefix: options.keyPrefix });
  const job = await jobs.get(jobId);
  if (!job) return null;
  if (!isTerminal(job)) await jobs.requestCancel(jobId);
  return job;
}
