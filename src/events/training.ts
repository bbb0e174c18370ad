// TrainingEvent: one step in the life of a training job, published to insitu.training keyed by job_id. The
// trainer publishes queued, running (once per stage), succeeded, failed and cancelled; the evaluator publishes
// evaluated, then promoted or rejected, with its report in `evaluation`. Every event carries the whole job as it
// stands, so a consumer needs only the latest event of a job. A job is retried as a new attempt of the same
// job_id; `retrying` says whether a failed attempt will be resubmitted.

import { digest } from '../ids.js';

export const TRAINING_EVENT_VERSION = 1 as const;

export const TRAINING_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'evaluated', 'promoted', 'rejected'] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];

export const TRAINING_STAGES = ['sft', 'dpo'] as const;
export type TrainingStage = (typeof TRAINING_STAGES)[number];

export const TRAINING_BACKENDS = ['openai', 'command'] as const;
export type TrainingBackendKind = (typeof TRAINING_BACKENDS)[number];

/** What went into the run: the snapshot folder and the split (no test user or conversation is in train). */
export interface TrainingDataset {
  /** <INSITU_DATA_DIR>/training/<job_id>: the training files and test-pairs.jsonl. */
  snapshot_dir: string;
  train_pairs: number;
  test_pairs: number;
  /** SFT examples (satisfied responses) in the SFT stage besides the train pairs' chosen responses. */
  sft_examples: number;
  train_conversations: number;
  test_conversations: number;
  /** The tenants whose pairs are in the snapshot (INSITU_TRAIN_TENANTS scopes them), sorted. */
  tenants?: string[];
}

/** The settings the run used (WildFeedback Appendix C by default). Learning rates are absolute. */
export interface TrainingHyperparameters {
  sft: { epochs: number; learning_rate: number; batch_size: number; warmup_ratio: number; scheduler: 'cosine' | 'linear' | 'constant' };
  dpo: { epochs: number; learning_rate: number; batch_size: number; beta: number };
}

export interface WinTieLose {
  win: number;
  tie: number;
  lose: number;
  n: number;
}

/** The evaluator's verdict on the candidate against the served baseline. */
export interface TrainingEvaluation {
  report_id: string;
  baseline: string;
  with_checklist: WinTieLose;
  without_checklist: WinTieLose;
  /** Comparisons attempted (test samples selected); those not in with_checklist.n failed. Absent in older events. */
  attempted?: number;
  promoted: boolean;
  reason: string;
}

export interface TrainingEvent {
  schema: 'insitu.training';
  version: typeof TRAINING_EVENT_VERSION;
  /** Deterministic from job_id, attempt, status and stage: a re-published step keeps its id. */
  event_id: string;
  job_id: string;
  status: TrainingStatus;
  /** The stage running (or that failed); null before the first stage and once the job is over. */
  stage: TrainingStage | null;
  backend: TrainingBackendKind;
  base_model: string;
  /** The fine-tuned model (after DPO); null until the job succeeded, and always null for failed jobs. */
  candidate_model: string | null;
  /** 1 for the first submission, +1 per retry. */
  attempt: number;
  /** Null until the snapshot is written. */
  dataset: TrainingDataset | null;
  hyperparameters: TrainingHyperparameters;
  /** Numbers the backend reported (trained_tokens, train_loss, ...). */
  metrics: Record<string, number>;
  /** Failed only: whether another attempt follows. */
  retrying: boolean;
  /** Why it failed; never holds a secret. */
  error: string | null;
  evaluation: TrainingEvaluation | null;
  created_at: string;
}

const COUNT = { type: 'integer', minimum: 0 } as const;
const WIN_TIE_LOSE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['win', 'tie', 'lose', 'n'],
  properties: { win: { type: 'number', minimum: 0 }, tie: { type: 'number', minimum: 0 }, lose: { type: 'number', minimum: 0 }, n: COUNT },
} as const;

export const TRAINING_EVENT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://insitu.dev/schemas/training-event.schema.json',
  title: 'TrainingEvent',
  description: 'A step of a training job (queued, running, succeeded, failed, cancelled; evaluated, promoted, rejected by the evaluator); published to insitu.training keyed by job_id.',
  type: 'object',
  additionalProperties: false,
  required: [
    'schema', 'version', 'event_id', 'job_id', 'status', 'stage', 'backend', 'base_model', 'candidate_model', 'attempt', 'dataset', 'hyperparameters',
    'metrics', 'retrying', 'error', 'evaluation', 'created_at',
  ],
  properties: {
    schema: { const: 'insitu.training' },
    version: { const: TRAINING_EVENT_VERSION },
    event_id: { type: 'string', pattern: '^te_[A-Za-z0-9_-]{22}$' },
    job_id: { type: 'string', minLength: 1 },
    status: { enum: [...TRAINING_STATUSES] },
    stage: { enum: [...TRAINING_STAGES, null] },
    backend: { enum: [...TRAINING_BACKENDS] },
    base_model: { type: 'string', minLength: 1 },
    candidate_model: { type: ['string', 'null'] },
    attempt: { type: 'integer', minimum: 1 },
    dataset: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['snapshot_dir', 'train_pairs', 'test_pairs', 'sft_examples', 'train_conversations', 'test_conversations'],
          properties: {
            snapshot_dir: { type: 'string', minLength: 1 },
            train_pairs: COUNT,
            test_pairs: COUNT,
            sft_examples: COUNT,
            train_conversations: COUNT,
            test_conversations: COUNT,
            tenants: { type: 'array', items: { type: 'string' }, description: 'The tenants whose pairs are in the snapshot (INSITU_TRAIN_TENANTS); absent in events written before it was added.' },
          },
        },
      ],
    },
    hyperparameters: {
      type: 'object',
      additionalProperties: false,
      required: ['sft', 'dpo'],
      properties: {
        sft: {
          type: 'object',
          additionalProperties: false,
          required: ['epochs', 'learning_rate', 'batch_size', 'warmup_ratio', 'scheduler'],
          properties: {
            epochs: { type: 'integer', minimum: 1 },
            learning_rate: { type: 'number', exclusiveMinimum: 0 },
            batch_size: { type: 'integer', minimum: 1 },
            warmup_ratio: { type: 'number', minimum: 0, maximum: 1 },
            scheduler: { enum: ['cosine', 'linear', 'constant'] },
          },
        },
        dpo: {
          type: 'object',
          additionalProperties: false,
          required: ['epochs', 'learning_rate', 'batch_size', 'beta'],
          properties: {
            epochs: { type: 'integer', minimum: 1 },
            learning_rate: { type: 'number', exclusiveMinimum: 0 },
            batch_size: { type: 'integer', minimum: 1 },
            beta: { type: 'number', exclusiveMinimum: 0 },
          },
        },
      },
    },
    metrics: { type: 'object', additionalProperties: { type: 'number' } },
    retrying: { type: 'boolean' },
    error: { type: ['string', 'null'] },
    evaluation: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['report_id', 'baseline', 'with_checklist', 'without_checklist', 'promoted', 'reason'],
          properties: {
            report_id: { type: 'string', minLength: 1 },
            baseline: { type: 'string', minLength: 1 },
            with_checklist: WIN_TIE_LOSE_SCHEMA,
            without_checklist: WIN_TIE_LOSE_SCHEMA,
            attempted: COUNT,
            promoted: { type: 'boolean' },
            reason: { type: 'string' },
          },
        },
      ],
    },
    created_at: { type: 'string' },
  },
} as const;

/** The deterministic id of one step: a step re-published after a crash keeps its id, so readers can dedupe. */
export function trainingEventId(jobId: string, attempt: number, status: TrainingStatus, stage: TrainingStage | null): string {
  return `te_${digest(`${jobId}>${attempt}>${status}>${stage ?? '-'}`)}`;
}

/** The next step of a job: the previous event with `changes`, a fresh id and timestamp. */
export function nextTrainingEvent(previous: TrainingEvent, changes: Partial<Omit<TrainingEvent, 'schema' | 'version' | 'event_id' | 'job_id'>>, now = new Date()): TrainingEvent {
  const next = { ...previous, ...changes, created_at: now.toISOString() };
  return { ...next, event_id: trainingEventId(next.job_id, next.attempt, next.status, next.stage) };
}
