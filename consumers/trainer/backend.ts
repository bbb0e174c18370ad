// What a fine-tuning backend is to the trainer: it starts one stage (SFT, then DPO on the SFT result) from a
// dataset snapshot, reports how the stage stands when polled, and cancels it. The handle it returns is plain
// JSON, persisted in the job record, so a restarted trainer resumes polling the same remote job.
import type { TrainingBackendKind, TrainingHyperparameters, TrainingStage } from '../../src/events/training.js';

/**
 * The snapshot folder (<INSITU_DATA_DIR>/training/<job_id>/), written before any stage starts:
 *  - sft.jsonl: OpenAI chat fine-tuning lines {"messages":[...prompt, chosen]} (train pairs' chosen responses
 *    and the SFT examples of satisfied responses), for the SFT stage;
 *  - dpo.jsonl: OpenAI DPO lines {"input":{"messages":[...]},"preferred_output":[...],"non_preferred_output":[...]}
 *    of the train pairs, for the DPO stage;
 *  - train-pairs.jsonl, test-pairs.jsonl: the PreferencePair records of each side of the split;
 *  - manifest.json: counts, the split and the hyper-parameters.
 */
export const SNAPSHOT_FILES = {
  sft: 'sft.jsonl',
  dpo: 'dpo.jsonl',
  trainPairs: 'train-pairs.jsonl',
  testPairs: 'test-pairs.jsonl',
  manifest: 'manifest.json',
} as const;

export interface StageRequest {
  jobId: string;
  attempt: number;
  stage: TrainingStage;
  /** SFT: the configured base model; DPO: the model the SFT stage produced. */
  model: string;
  snapshotDir: string;
  hyperparameters: TrainingHyperparameters;
}

/** Opaque to the trainer; JSON-serialisable. */
export interface StageHandle {
  backend: TrainingBackendKind;
  /** The remote job id (openai) or the stage's run folder (command). */
  id: string;
  details: Record<string, string>;
}

export type StageStatus =
  | { state: 'running'; metrics: Record<string, number>; progress?: string }
  | { state: 'succeeded'; model: string; metrics: Record<string, number> }
  | { state: 'failed'; error: string; metrics: Record<string, number> }
  | { state: 'cancelled'; metrics: Record<string, number> };

export interface TrainingBackend {
  readonly kind: TrainingBackendKind;
  /** Uploads or writes the stage's data and starts it. Throws TrainingBackendError. */
  start(request: StageRequest): Promise<StageHandle>;
  poll(handle: StageHandle): Promise<StageStatus>;
  cancel(handle: StageHandle): Promise<void>;
  close?(): Promise<void>;
}
