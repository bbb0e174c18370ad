// The job store: every training job as one JSON record in state (<prefix>:job:<job_id>) plus an index of job
// ids, newest first and bounded, so `insitu jobs` lists them and a restarted trainer resumes the unfinished
// ones (their stage handles are in the record). Cancellation is a separate marker key, so the operator's
// command never races the trainer's writes of the record.
import type { TrainingBackendKind, TrainingDataset, TrainingEvent, TrainingHyperparameters, TrainingStage, TrainingStatus } from '../../src/events/training.js';
import type { StateStore } from '../../src/state/types.js';
import type { StageHandle } from './backend.js';

export interface TrainingJob {
  job_id: string;
  /** The trainer's statuses only (the evaluator's come later, on the topic). */
  status: Extract<TrainingStatus, 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'>;
  stage: TrainingStage | null;
  attempt: number;
  backend: TrainingBackendKind;
  base_model: string;
  /** The current stage's remote job; null between stages and once over. */
  handle: StageHandle | null;
  /** The SFT stage's output, the DPO stage's input; null until SFT succeeded in this attempt. */
  sft_model: string | null;
  candidate_model: string | null;
  dataset: TrainingDataset;
  hyperparameters: TrainingHyperparameters;
  metrics: Record<string, number>;
  error: string | null;
  retrying: boolean;
  /** Why it was started (the policy's reason, or the operator's command). */
  reason: string;
  created_at: string;
  updated_at: string;
  /** The last event of the job (the next one is built from it). */
  event: TrainingEvent;
  /** Events not yet on the bus: written with the record first, so a crash before publishing loses none. */
  unpublished: TrainingEvent[];
}

export const TERMINAL_STATUSES: readonly TrainingJob['status'][] = ['succeeded', 'failed', 'cancelled'];
export const isTerminal = (job: TrainingJob) => TERMINAL_STATUSES.includes(job.status);

export const DEFAULT_KEY_PREFIX = 'insitu:trainer';
/** Jobs kept in the index; older records are deleted when they fall off. */
export const MAX_JOBS = 200;

export function trainerKeys(prefix = DEFAULT_KEY_PREFIX) {
  return {
    job: (jobId: string) => `${prefix}:job:${jobId}`,
    index: `${prefix}:jobs`,
    cancel: (jobId: string) => `${prefix}:cancel:${jobId}`,
    newPairs: `${prefix}:new-pairs`,
    /** Every accepted pair ever counted: what the dataset store must hold before a snapshot. */
    pairsSeen: `${prefix}:pairs-seen`,
    seenPair: (pairId: string) => `${prefix}:seen:${pairId}`,
    lastRun: `${prefix}:last-run`,
    cronChecked: `${prefix}:cron-checked`,
    lease: `${prefix}:lease`,
    /** `insitu train --now` asking the leader (requests.ts). */
    trainRequest: `${prefix}:train-request`,
  };
}
export type TrainerKeys = ReturnType<typeof trainerKeys>;

export interface JobStore {
  get(jobId: string): Promise<TrainingJob | null>;
  /** Writes the record; a new job is put at the head of the index. */
  put(job: TrainingJob): Promise<void>;
  /** Newest first. */
  list(limit?: number): Promise<TrainingJob[]>;
  /** Jobs not yet succeeded, failed or cancelled, oldest first. */
  active(): Promise<TrainingJob[]>;
  requestCancel(jobId: string): Promise<void>;
  cancelRequested(jobId: string): Promise<boolean>;
}

export function createJobStore(state: StateStore, options: { prefix?: string; maxJobs?: number } = {}): JobStore {
  const keys = trainerKeys(options.prefix);
  const maxJobs = options.maxJobs ?? MAX_JOBS;

  const ids = async (): Promise<string[]> => {
    const raw = await state.get(keys.index);
    return raw ? (JSON.parse(raw) as string[]) : [];
  };
  const get = async (jobId: string): Promise<TrainingJob | null> => {
    const raw = await state.get(keys.job(jobId));
    return raw ? (JSON.parse(raw) as TrainingJob) : null;
  };

  /** Adds an id at the head with compare-and-set, so two writers never lose each other's job. */
  async function index(jobId: string): Promise<void> {
    for (;;) {
      const raw = await state.get(keys.index);
      const current = raw ? (JSON.parse(raw) as string[]) : [];
      if (current.includes(jobId)) return;
      const next = [jobId, ...current];
      const kept = next.slice(0, maxJobs);
      const written = raw === null ? await state.set(keys.index, JSON.stringify(kept), { onlyIfAbsent: true }) : await state.setIfEquals(keys.index, raw, JSON.stringify(kept));
      if (!written) continue;
      for (const dropped of next.slice(maxJobs)) {
        await state.del(keys.job(dropped));
        await state.del(keys.cancel(dropped));
      }
      return;
    }
  }

  return {
    get,
    async put(job) {
      await state.set(keys.job(job.job_id), JSON.stringify(job));
      await index(job.job_id);
    },
    async list(limit = maxJobs) {
      const out: TrainingJob[] = [];
      for (const id of (await ids()).slice(0, limit)) {
        const job = await get(id);
        if (job) out.push(job);
      }
      return out;
    },
    async active() {
      const out: TrainingJob[] = [];
      for (const id of (await ids()).reverse()) {
        const job = await get(id);
        if (job && !isTerminal(job)) out.push(job);
      }
      return out;
    },
    async requestCancel(jobId) {
      await state.set(keys.cancel(jobId), new Date().toISOString());
    },
    async cancelRequested(jobId) {
      return (await state.get(keys.cancel(jobId))) !== null;
    },
  };
}
