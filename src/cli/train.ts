// `insitu train --now [--wait] [--json]`: snapshot the datasets and start a training job now (SFT then DPO),
// optionally driving it to the end with progress lines on stderr. With no trainer running it takes the
// trainer's lease and trains itself; while a trainer leads, it asks that trainer (a request in state) and
// follows the job, so there is never a second trainer.
// `insitu jobs [--json] [--cancel JOB_ID]`: the training jobs, newest first, or a cancel request that the
// running trainer carries out on its next tick.
// Jobs live in the state store: with in-memory state only the process that holds them sees them, so listing,
// cancelling and training without --wait need INSITU_REDIS_URL (as `insitu routes` does).
import { cancelJob, listJobs, runTrainingNow, type BackendFactory } from '../../consumers/trainer/runner.js';
import { isTerminal, type TrainingJob } from '../../consumers/trainer/jobs.js';
import type { Config } from '../config.js';
import { InsituError } from '../errors.js';
import type { Logger } from '../log.js';
import { openRuntime } from '../runtime.js';
import { createStateStore } from '../state/index.js';
import type { StateStore } from '../state/types.js';
import { flag, option, UsageError } from './args.js';

export interface CliIo {
  config: Config;
  logger: Logger;
  /** stdout. */
  out?: (text: string) => void;
  /** stderr (progress). */
  err?: (text: string) => void;
  /** The training backend factory (default: createTrainingBackend from consumers/trainer/backends). */
  createBackend?: BackendFactory;
  /** A state store to use instead of opening one from the configuration (the caller closes it). */
  state?: StateStore;
  /** Prefix of the trainer's state keys (default insitu:trainer). */
  keyPrefix?: string;
}

/** A job that ended without a candidate: the command exits non-zero. */
export class TrainingJobFailedError extends InsituError {}

const cell = (text: string) => text.replace(/\|/g, '/');
const row = (j: TrainingJob) =>
  `| ${j.job_id} | ${j.status} | ${j.stage ?? '-'} | ${j.attempt} | ${cell(j.base_model)} | ${cell(j.candidate_model ?? '-')} | ${j.dataset.train_pairs}/${j.dataset.test_pairs} | ${j.updated_at} |`;

export function jobsTable(jobs: TrainingJob[]): string {
  return ['| job | status | stage | attempt | base | candidate | pairs train/test | updated |', '|---|---|---|---|---|---|---|---|', ...jobs.map(row)].join('\n');
}

const stdout = (t: string) => void process.stdout.write(t);
const stderr = (t: string) => void process.stderr.write(t);

export async function trainCommand(argv: string[], io: CliIo): Promise<void> {
  const args = [...argv];
  const now = flag(args, '--now');
  const wait = flag(args, '--wait');
  const json = flag(args, '--json');
  if (args.length > 0) throw new UsageError(`unexpected argument '${args[0]}' (train --now [--wait] [--json])`);
  if (!now) throw new UsageError('train needs --now (the trainer consumer trains on its own schedule: INSITU_TRAIN_MIN_PAIRS, INSITU_TRAIN_INTERVAL, INSITU_TRAIN_CRON)');
  const { config, logger } = io;
  if (!config.training.backend && !io.createBackend) throw new UsageError('training is off: set INSITU_TRAINER (openai or command) and INSITU_TRAIN_BASE_MODEL');
  if (!config.redis && !wait) throw new UsageError('without --wait the job is left to the running trainer, which shares state only through Redis (no INSITU_REDIS_URL): add --wait, or set INSITU_REDIS_URL');
  const out = io.out ?? stdout;
  const err = io.err ?? stderr;
  const runtime = await openRuntime(config, logger);
  let job: TrainingJob;
  try {
    job = await runTrainingNow(runtime, { wait, createBackend: io.createBackend, keyPrefix: io.keyPrefix, progress: (line) => err(`${line}\n`) });
  } finally {
    await runtime.close();
  }
  out((json ? JSON.stringify(job, null, 2) : jobsTable([job])) + '\n');
  if (job.status === 'failed' || job.status === 'cancelled') throw new TrainingJobFailedError(`${job.job_id} ${job.status}${job.error ? `: ${job.error}` : ''}`);
  if (!isTerminal(job)) err(`${job.job_id} is ${job.status}; the running trainer polls it from here (insitu jobs)\n`);
}

export async function jobsCommand(argv: string[], io: CliIo): Promise<void> {
  const args = [...argv];
  const json = flag(args, '--json');
  const cancel = option(args, '--cancel');
  if (args.length > 0) throw new UsageError(`unexpected argument '${args[0]}' (jobs [--json] [--cancel JOB_ID])`);
  if (!io.state && !io.config.redis) throw new UsageError('training jobs live in the state store, and it is in memory (no INSITU_REDIS_URL): only the running trainer sees them. Set INSITU_REDIS_URL to list or cancel jobs from here.');
  const out = io.out ?? stdout;
  const state = io.state ?? createStateStore(io.config, io.logger);
  try {
    const print = (list: TrainingJob[]) => out((json ? JSON.stringify(list, null, 2) : jobsTable(list)) + '\n');
    if (cancel !== undefined) {
      const job = await cancelJob(state, cancel, { keyPrefix: io.keyPrefix });
      if (!job) throw new UsageError(`no training job '${cancel}' (insitu jobs lists them)`);
      if (isTerminal(job)) throw new UsageError(`${cancel} is already ${job.status}`);
      print([job]);
      (io.err ?? stderr)(`cancel requested: the running trainer cancels ${cancel} on its next tick\n`);
      return;
    }
    print(await listJobs(state, { keyPrefix: io.keyPrefix }));
  } finally {
    if (!io.state) await state.close();
  }
}
