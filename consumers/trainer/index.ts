// The trainer's public face: the consumer, on-demand training, the operator's job views, and the pure parts.
export { SNAPSHOT_FILES, type StageHandle, type StageRequest, type StageStatus, type TrainingBackend } from './backend.js';
export { CronError, nextFire, parseCron } from '../../src/cron.js';
export { hyperparametersFrom, newJob, nextAction, step, type Action, type Observation, type Step } from './driver.js';
export { createJobStore, isTerminal, trainerKeys, type JobStore, type TrainingJob } from './jobs.js';
export { createLease, type Lease } from './lease.js';
export { shouldTrain, type PolicyDecision, type TrainingPolicy } from './policy.js';
export {
  cancelJob, describeEvent, listJobs, NothingToTrainError, runTrainingNow, startTrainer, trainer, TrainerBusyError, TRAINER_GROUP,
  type BackendFactory, type RunningTrainer, type TrainerOptions, type TrainNowOptions,
} from './runner.js';
export { splitPairs, writeSnapshot, type Split } from './snapshot.js';
