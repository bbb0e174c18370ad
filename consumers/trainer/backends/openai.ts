// The openai training backend: any OpenAI-compatible fine-tuning API (OpenAI, Together, Fireworks...). A stage
// uploads its snapshot file (sft.jsonl or dpo.jsonl) and creates a fine-tuning job with the supervised or dpo
// method; polling maps the job's status and reads its newest events for metrics and progress.
//
// Learning rates: these APIs take a learning_rate_multiplier relative to a model-specific base rate, not an
// absolute rate, and there is no faithful way to turn 5e-6 into a multiplier. So none is sent (the provider's
// default applies) and the handle says so; the absolute learning rates apply to the command backend.
import { redactSecret } from '../../../src/secrets.js';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type OpenAI from 'openai';
import type { FineTuningJob, FineTuningJobEvent, JobCreateParams } from 'openai/resources/fine-tuning/jobs/jobs';
import { TrainingBackendError } from '../../../src/errors.js';
import { createOpenAiClient, isRetriable } from '../../../src/llm/client.js';
import { describeError, silentLogger, type Logger } from '../../../src/log.js';
import { SNAPSHOT_FILES, type StageHandle, type StageRequest, type StageStatus, type TrainingBackend } from '../backend.js';

export interface OpenAiTrainingBackendOptions {
  /** Base URL including /v1. */
  url: string;
  apiKey: string | undefined;
  logger?: Logger;
  /** One request's timeout; uploads of large snapshots take a while. Default 10 minutes. */
  timeoutMs?: number;
}

export const LEARNING_RATE_NOTE = 'provider default learning_rate_multiplier (absolute learning rates apply to the command backend)';

/** How many of a job's newest events a poll reads. */
const EVENTS_PER_POLL = 20;

/** A fine-tuned model's suffix: short, from the job id (OpenAI allows up to 64 characters; some providers fewer). */
export function modelSuffix(jobId: string): string {
  const cleaned = jobId.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return cleaned.slice(0, 18).replace(/-+$/, '') || 'insitu';
}

/** How many of the newest jobs a restarted stage looks through for the one it may have submitted already. */
const LOOKUP_LIMIT = 100;

/** What identifies one stage of one attempt on the provider's side (sent with the job, looked up on a restart). */
export function stageMetadata(request: Pick<StageRequest, 'jobId' | 'stage' | 'attempt'>): Record<string, string> {
  return { insitu_job: request.jobId, insitu_stage: request.stage, insitu_attempt: String(request.attempt) };
}

function handleOf(job: FineTuningJob, request: StageRequest): StageHandle {
  return { backend: 'openai', id: job.id, details: { file_id: job.training_file, stage: request.stage, learning_rate: LEARNING_RATE_NOTE } };
}

/** The method part of the job request, from the stage's hyper-parameters (no learning rate: see above). */
export function fineTuningMethod(request: StageRequest): NonNullable<JobCreateParams['method']> {
  const { sft, dpo } = request.hyperparameters;
  if (request.stage === 'sft') return { type: 'supervised', supervised: { hyperparameters: { n_epochs: sft.epochs, batch_size: sft.batch_size } } };
  return { type: 'dpo', dpo: { hyperparameters: { beta: dpo.beta, n_epochs: dpo.epochs, batch_size: dpo.batch_size } } };
}

/** Numeric fields of the newest 'metrics' event (events come newest first). */
export function eventMetrics(events: readonly FineTuningJobEvent[]): Record<string, number> {
  const metrics: Record<string, number> = {};
  const newest = events.find((e) => e.type === 'metrics' && typeof e.data === 'object' && e.data !== null);
  for (const [key, value] of Object.entries((newest?.data ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'number' && Number.isFinite(value)) metrics[key] = value;
  }
  return metrics;
}

/** A job as the trainer sees it. */
export function jobStatus(job: FineTuningJob, events: readonly FineTuningJobEvent[]): StageStatus {
  const metrics = eventMetrics(events);
  if (typeof job.trained_tokens === 'number') metrics.trained_tokens = job.trained_tokens;
  switch (job.status) {
    case 'succeeded':
      return job.fine_tuned_model
        ? { state: 'succeeded', model: job.fine_tuned_model, metrics }
        : { state: 'failed', error: `fine-tuning job ${job.id} succeeded without a fine_tuned_model`, metrics };
    case 'failed': {
      const error = job.error?.message ? `${job.error.message}${job.error.code ? ` (${job.error.code})` : ''}` : `fine-tuning job ${job.id} failed`;
      return { state: 'failed', error, metrics };
    }
    case 'cancelled':
      return { state: 'cancelled', metrics };
    default: {
      // validating_files, queued, running, and anything a provider adds (paused...): not over yet.
      const progress = events[0]?.message ?? job.status;
      return { state: 'running', metrics, progress };
    }
  }
}

export function createOpenAiTrainingBackend(options: OpenAiTrainingBackendOptions): TrainingBackend {
  const client = createOpenAiClient({ baseURL: options.url, apiKey: options.apiKey, timeoutMs: options.timeoutMs ?? 600_000 });
  const logger = options.logger ?? silentLogger;

  /** Runs one SDK call; failures become TrainingBackendError with the key redacted from the message. */
  async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw backendError(what, error);
    }
  }
  function backendError(what: string, error: unknown): TrainingBackendError {
    const status = (error as { status?: unknown }).status;
    const detail = redactSecret(describeError(error), options.apiKey);
    return new TrainingBackendError(`fine-tuning API: ${what} failed${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${detail}`, { retriable: isRetriable(error) });
  }

  /**
   * The newest job carrying this stage's metadata, or undefined. The filter is also checked here, since not
   * every provider honours metadata[k]=v; a provider without a job list (404, 405) cannot be asked, and the
   * stage is submitted as before.
   */
  async function findSubmitted(metadata: Record<string, string>): Promise<FineTuningJob | undefined> {
    try {
      const page = await client.fineTuning.jobs.list({ limit: LOOKUP_LIMIT, metadata });
      return page.data.find((job) => Object.entries(metadata).every(([k, v]) => job.metadata?.[k] === v));
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (status === 404 || status === 405) {
        logger.warn('the fine-tuning API cannot list jobs: a restart between submitting and recording a job may submit it twice', { status });
        return undefined;
      }
      throw backendError('looking for a job submitted before a restart', error);
    }
  }

  return {
    kind: 'openai',

    async start(request) {
      // A trainer that stopped between creating the job and storing its handle starts the stage again: find the
      // job it created (by the metadata it carries) instead of submitting and paying for a second one.
      const metadata = stageMetadata(request);
      const submitted = await findSubmitted(metadata);
      if (submitted) {
        logger.info('fine-tuning job already submitted before a restart; tracking it', { job: request.jobId, stage: request.stage, remote_job: submitted.id });
        return handleOf(submitted, request);
      }
      const path = join(request.snapshotDir, request.stage === 'sft' ? SNAPSHOT_FILES.sft : SNAPSHOT_FILES.dpo);
      const file = await call('uploading the training file', () => client.files.create({ file: createReadStream(path), purpose: 'fine-tune' }));
      const body: JobCreateParams = {
        model: request.model,
        training_file: file.id,
        suffix: modelSuffix(request.jobId),
        method: fineTuningMethod(request),
        metadata,
      };
      const job = await call('creating the fine-tuning job', () => client.fineTuning.jobs.create(body));
      logger.info('fine-tuning job created', { job: request.jobId, stage: request.stage, remote_job: job.id, file: file.id, model: request.model });
      return handleOf(job, request);
    },

    async poll(handle) {
      const job = await call('reading the fine-tuning job', () => client.fineTuning.jobs.retrieve(handle.id));
      return jobStatus(job, await newestEvents(client, handle, logger, options.apiKey));
    },

    async cancel(handle) {
      await call('cancelling the fine-tuning job', () => client.fineTuning.jobs.cancel(handle.id));
    },
  };
}

/** Events are for metrics and progress only: a provider without them (or a failed read) must not fail the poll. */
async function newestEvents(client: OpenAI, handle: StageHandle, logger: Logger, apiKey: string | undefined): Promise<FineTuningJobEvent[]> {
  try {
    const page = await client.fineTuning.jobs.listEvents(handle.id, { limit: EVENTS_PER_POLL });
    return page.data;
  } catch (error) {
    logger.warn('could not read fine-tuning job events', { remote_job: handle.id, error: redactSecret(describeError(error), apiKey) });
    return [];
  }
}
