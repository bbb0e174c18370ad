// The job state machine (pure): a job record and what just happened -> the next record, the TrainingEvents to
// publish and what to do next. queued -> running(sft) -> running(dpo, on the SFT model) -> succeeded with the
// DPO model as candidate; a failure at any point is retried as a new attempt from SFT while attempt <= retries,
// else the job failed; a cancel ends it. Events come from nextTrainingEvent, so a step re-done after a crash
// re-publishes the same event id.
import type { Config } from '../../src/config.js';
import { nextTrainingEvent, trainingEventId, type TrainingBackendKind, type TrainingDataset, type TrainingEvent, type TrainingHyperparameters, type TrainingStage } from '../../src/events/training.js';
import type { StageHandle, StageStatus } from './backend.js';
import type { TrainingJob } from './jobs.js';

export type Observation =
  /** backend.start returned the stage's handle. */
  | { kind: 'started'; stage: TrainingStage; handle: StageHandle }
  /** backend.start refused the stage (not a transient error). */
  | { kind: 'start-failed'; stage: TrainingStage; error: string }
  /** backend.poll of the current handle. */
  | { kind: 'status'; status: StageStatus }
  /** The operator asked to cancel (the backend was told already, if a stage was running). */
  | { kind: 'cancel' };

export type Action =
  | { kind: 'start'; stage: 'sft'; model: string }
  | { kind: 'start'; stage: 'dpo'; model: string }
  | { kind: 'poll'; handle: StageHandle }
  | { kind: 'done' };

export interface Step {
  job: TrainingJob;
  events: TrainingEvent[];
  action: Action;
}

export function hyperparametersFrom(training: Pick<Config['training'], 'sft' | 'dpo'>): TrainingHyperparameters {
  const { sft, dpo } = training;
  return {
    sft: { epochs: sft.epochs, learning_rate: sft.learningRate, batch_size: sft.batchSize, warmup_ratio: sft.warmupRatio, scheduler: sft.scheduler },
    dpo: { epochs: dpo.epochs, learning_rate: dpo.learningRate, batch_size: dpo.batchSize, beta: dpo.beta },
  };
}

/** A new job, queued, with its first event; its next action starts SFT on the base model. */
export function newJob(input: { jobId: string; backend: TrainingBackendKind; baseModel: string; dataset: TrainingDataset; hyperparameters: TrainingHyperparameters; reason: string; now?: Date }): Step {
  const now = (input.now ?? new Date()).toISOString();
  const event: TrainingEvent = {
    schema: 'insitu.training', version: 1, event_id: trainingEventId(input.jobId, 1, 'queued', null), job_id: input.jobId, status: 'queued', stage: null,
    backend: input.backend, base_model: input.baseModel, candidate_model: null, attempt: 1, dataset: input.dataset, hyperparameters: input.hyperparameters,
    metrics: {}, retrying: false, error: null, evaluation: null, created_at: now,
  };
  const job: TrainingJob = {
    job_id: input.jobId, status: 'queued', stage: null, attempt: 1, backend: input.backend, base_model: input.baseModel, handle: null, sft_model: null,
    candidate_model: null, dataset: input.dataset, hyperparameters: input.hyperparameters, metrics: {}, error: null, retrying: false, reason: input.reason,
    created_at: now, updated_at: now, event, unpublished: [event],
  };
  return { job, events: [event], action: nextAction(job) };
}

/** What a job record needs next, from the record alone (so a restarted trainer knows where it was). */
export function nextAction(job: TrainingJob): Action {
  if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled') return { kind: 'done' };
  if (job.handle) return { kind: 'poll', handle: job.handle };
  if (job.sft_model !== null) return { kind: 'start', stage: 'dpo', model: job.sft_model };
  return { kind: 'start', stage: 'sft', model: job.base_model };
}

type JobChanges = Partial<Omit<TrainingJob, 'job_id' | 'event' | 'unpublished'>>;

/** Applies changes and, when `publish`, emits the event of the new state. */
function advance(job: TrainingJob, changes: JobChanges, publish: boolean, now: Date): { job: TrainingJob; events: TrainingEvent[] } {
  const next: TrainingJob = { ...job, ...changes, updated_at: now.toISOString() };
  if (!publish) return { job: next, events: [] };
  const event = nextTrainingEvent(
    job.event,
    {
      status: next.status, stage: next.stage, attempt: next.attempt, candidate_model: next.candidate_model, dataset: next.dataset,
      hyperparameters: next.hyperparameters, metrics: next.metrics, retrying: next.retrying, error: next.error,
    },
    now,
  );
  return { job: { ...next, event, unpublished: [...next.unpublished, event] }, events: [event] };
}

function failure(job: TrainingJob, stage: TrainingStage | null, error: string, metrics: Record<string, number>, retries: number, now: Date): Step {
  const retrying = job.attempt <= retries;
  const failed = advance(job, { status: 'failed', stage, handle: null, candidate_model: null, error, retrying, metrics }, true, now);
  if (!retrying) return { ...failed, action: { kind: 'done' } };
  const requeued = advance(
    failed.job,
    { status: 'queued', stage: null, attempt: job.attempt + 1, handle: null, sft_model: null, error: null, retrying: false, metrics: {} },
    true,
    now,
  );
  return { job: requeued.job, events: [...failed.events, ...requeued.events], action: nextAction(requeued.job) };
}

export function step(job: TrainingJob, observation: Observation, options: { retries: number; now?: Date }): Step {
  const now = options.now ?? new Date();
  if (nextAction(job).kind === 'done') return { job, events: [], action: { kind: 'done' } };
  const done = (s: { job: TrainingJob; events: TrainingEvent[] }): Step => ({ ...s, action: nextAction(s.job) });
  switch (observation.kind) {
    case 'cancel':
      return done(advance(job, { status: 'cancelled', stage: null, handle: null, candidate_model: null, retrying: false }, true, now));
    case 'started':
      return done(advance(job, { status: 'running', stage: observation.stage, handle: observation.handle, error: null }, true, now));
    case 'start-failed':
      return failure(job, observation.stage, observation.error, job.metrics, options.retries, now);
    case 'status': {
      const status = observation.status;
      const metrics = { ...job.metrics, ...status.metrics };
      switch (status.state) {
        case 'running':
          return done(advance(job, { metrics }, false, now));
        case 'failed':
          return failure(job, job.stage, status.error, metrics, options.retries, now);
        case 'cancelled':
          return done(advance(job, { status: 'cancelled', stage: null, handle: null, candidate_model: null, metrics, retrying: false }, true, now));
        case 'succeeded':
          if (job.stage === 'sft') return done(advance(job, { handle: null, sft_model: status.model, metrics }, false, now));
          return done(advance(job, { status: 'succeeded', stage: null, handle: null, candidate_model: status.model, metrics, error: null }, true, now));
      }
    }
  }
}
