// The command training backend: self-hosted training (LLaMA-Factory or TRL). A stage writes its data and a
// config into its run folder (<snapshot>/<stage>/) and runs the configured command there through /bin/sh, with
// INSITU_TRAIN_* variables saying where things are and none of the trainer's own INSITU_* settings (they hold
// API keys and the Redis URL). Output goes to train.log; status.json records how the command ended. A small
// shell wrapper writes status.json itself, so a run that outlives a trainer restart still reports its end; the
// trainer writes it when the wrapper was killed by a signal. The command names the model it produced with a
// log line INSITU_MODEL=<name or path>; without one the model is the output folder.
import { redactSecret } from '../../../src/secrets.js';
import { spawn } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { access, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { validateSftLine, type OpenAISftLine } from '../../../src/dataset/export/sft.js';
import { createOutputFile, writeOutputText } from '../../../src/dataset/export/output.js';
import { TrainingBackendError } from '../../../src/errors.js';
import type { PreferencePair } from '../../../src/events/preference.js';
import type { TrainingStage } from '../../../src/events/training.js';
import { describeError, silentLogger, type Logger } from '../../../src/log.js';
import { SNAPSHOT_FILES, type StageRequest, type TrainingBackend } from '../backend.js';
import { llamaFactoryRunFormat } from './llama-factory-config.js';
import { trlRunFormat } from './trl-config.js';

export type CommandFormat = 'llama-factory' | 'trl';

/** How one training framework wants a stage's data and config (llama-factory-config.ts, trl-config.ts). */
export interface RunFormat {
  name: CommandFormat;
  layout: 'jsonl' | 'json-array';
  /** The data file in the run folder. */
  dataFile(stage: TrainingStage): string;
  /** An sft.jsonl line as a data row; null when it cannot be one. */
  sftRow(line: OpenAISftLine): unknown | null;
  /** A train pair as a DPO data row; null when it cannot be one. */
  pairRow(pair: PreferencePair): unknown | null;
  /** The config file and companion files (dataset_info.json), relative to the run folder. */
  files(request: StageRequest, runDir: string, outputDir: string, settings: RunSettings): { config: RunFile; extra: RunFile[] };
}

/** What the operator chose for every run (INSITU_LLAMAFACTORY_TEMPLATE, INSITU_FINETUNING_TYPE). */
export interface RunSettings {
  /** LLaMA-Factory's chat template; required by that format. */
  template: string | undefined;
  finetuningType: 'full' | 'lora';
}

export interface RunFile {
  file: string;
  text: string;
}

export interface CommandTrainingBackendOptions {
  /** Run through /bin/sh -c in the run folder. */
  command: string;
  format: CommandFormat;
  logger?: Logger;
  /** How long cancel waits after SIGTERM before SIGKILL. Default 5 s. */
  killGraceMs?: number;
  /** LLaMA-Factory's chat template (INSITU_LLAMAFACTORY_TEMPLATE); without it a llama-factory stage is refused. */
  template?: string;
  /** Default full. */
  finetuningType?: 'full' | 'lora';
}

export const RUN_FILES = { log: 'train.log', status: 'status.json', cancelled: 'cancelled', output: 'output', run: 'run.json' } as const;

/** run.json: which attempt the run folder's command belongs to, written right after it started. */
interface RunRecord {
  job: string;
  attempt: number;
  pid: number;
  config: string;
}

export interface RunStatusFile {
  exit_code: number | null;
  signal: string | null;
  finished_at: string;
}

const LOG_TAIL_LINES = 20;
const ERROR_TAIL_LINES = 5;
const MAX_LINE_CHARS = 300;

// $1: the command; $2: the status file. The command runs in its own shell so a `cd` or `exit` in it cannot
// skip the status write.
const WRAPPER = `/bin/sh -c "$1"
code=$?
printf '{"exit_code":%d,"signal":null,"finished_at":"%s"}\\n' "$code" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$2.tmp" && mv -f "$2.tmp" "$2"
exit $code`;

export function runFormat(format: CommandFormat): RunFormat {
  return format === 'trl' ? trlRunFormat : llamaFactoryRunFormat;
}

/** The command's environment: the trainer's without any INSITU_ variable, plus the run's INSITU_TRAIN_*. */
export function trainingEnvironment(base: NodeJS.ProcessEnv, run: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined && !key.startsWith('INSITU_')) env[key] = value;
  return { ...env, ...run };
}

/** Numbers in one log line: a JSON object, a Python dict (the HF Trainer's log), or key=value pairs. */
export function lineMetrics(line: string): Record<string, number> {
  const metrics: Record<string, number> = {};
  const trimmed = line.trim();
  const NUMBER = '-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?';
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        for (const [key, value] of Object.entries(parsed)) if (typeof value === 'number' && Number.isFinite(value)) metrics[key] = value;
      }
      return metrics;
    } catch {
      for (const m of trimmed.matchAll(new RegExp(`'([A-Za-z_][\\w./-]*)'\\s*:\\s*(${NUMBER})(?=\\s*[,}])`, 'g'))) metrics[m[1]!] = Number(m[2]);
      return metrics;
    }
  }
  for (const m of trimmed.matchAll(new RegExp(`(?:^|[\\s,;])([A-Za-z_][\\w./-]*)=(${NUMBER})(?=$|[\\s,;])`, 'g'))) metrics[m[1]!] = Number(m[2]);
  return metrics;
}

export interface LogSummary {
  lines: number;
  /** The last INSITU_MODEL=<model> line's model. */
  model: string | null;
  tail: string[];
  metrics: Record<string, number>;
}

/** One pass over the log: its line count, the last INSITU_MODEL line, the last lines and their metrics. */
export async function summariseLog(path: string): Promise<LogSummary> {
  const summary: LogSummary = { lines: 0, model: null, tail: [], metrics: {} };
  const input = createReadStream(path, { encoding: 'utf8' });
  const missing = new Promise<boolean>((resolve) => {
    input.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ENOENT'));
    input.once('open', () => resolve(false));
  });
  if (await missing) return summary;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    summary.lines++;
    const model = /^INSITU_MODEL=(.+)$/.exec(line);
    if (model) summary.model = model[1]!.trim();
    if (line.trim() === '') continue;
    summary.tail.push(line);
    if (summary.tail.length > LOG_TAIL_LINES) summary.tail.shift();
  }
  for (const line of summary.tail) Object.assign(summary.metrics, lineMetrics(line));
  return summary;
}

/** Log text fit for an event: secrets of the trainer's environment removed, bounded. */
function clean(line: string): string {
  let text = line;
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('INSITU_') && /(KEY|PASSWORD|SECRET|TOKEN|REDIS_URL)$/.test(key)) text = redactSecret(text, value);
  }
  return text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text;
}

/** The state letters of a process (target > 0) or of a process group's members (target < 0); null without /proc. */
function processStates(target: number): string[] | null {
  const stateOf = (pid: string): { state: string; group: number } | null => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) ": state ppid pgrp ...
      return { state: fields[0]!, group: Number(fields[2]) };
    } catch {
      return null; // gone meanwhile
    }
  };
  try {
    if (target > 0) return [stateOf(String(target))?.state ?? 'X'];
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(stateOf)
      .filter((p): p is { state: string; group: number } => p !== null && p.group === -target)
      .map((p) => p.state);
  } catch {
    return null;
  }
}

/**
 * Whether a process (pid > 0) or a process group (pid < 0) has a live member. kill(0) also succeeds for
 * zombies, which a PID 1 that does not reap (a container's) keeps around, so /proc says which are only that.
 */
function isAlive(target: number): boolean {
  try {
    process.kill(target, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const states = processStates(target);
  return states === null || states.some((state) => state !== 'Z' && state !== 'X');
}

async function readStatus(runDir: string): Promise<RunStatusFile | null> {
  try {
    return JSON.parse(await readFile(join(runDir, RUN_FILES.status), 'utf8')) as RunStatusFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TrainingBackendError(`unreadable ${join(runDir, RUN_FILES.status)}: ${describeError(error)}`, { retriable: true });
  }
}

const exists = (path: string) => access(path).then(() => true, () => false);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function* jsonLines(path: string): AsyncGenerator<unknown> {
  for await (const line of createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line);
    } catch {
      yield undefined; // counted as skipped by the caller
    }
  }
}

/** Writes the stage's data file; returns how many rows it holds and how many snapshot lines were skipped. */
async function writeStageData(format: RunFormat, request: StageRequest, runDir: string): Promise<{ rows: number; skipped: number }> {
  const source = join(request.snapshotDir, request.stage === 'sft' ? SNAPSHOT_FILES.sft : SNAPSHOT_FILES.trainPairs);
  const output = await createOutputFile(runDir, format.dataFile(request.stage), format.layout);
  let rows = 0;
  let skipped = 0;
  try {
    for await (const value of jsonLines(source)) {
      let row: unknown = null;
      try {
        if (request.stage === 'sft') row = validateSftLine(value).length === 0 ? format.sftRow(value as OpenAISftLine) : null;
        else row = format.pairRow(value as PreferencePair);
      } catch {
        row = null; // a malformed record
      }
      if (row === null) skipped++;
      else {
        await output.add(row);
        rows++;
      }
    }
  } catch (error) {
    await output.abort();
    throw new TrainingBackendError(`could not convert ${source}: ${describeError(error)}`);
  }
  await output.commit();
  return { rows, skipped };
}

/** This attempt's command, if it was started already and is still running or has ended. */
async function startedRun(request: StageRequest): Promise<RunRecord | null> {
  const runDir = join(request.snapshotDir, request.stage);
  let record: RunRecord;
  try {
    record = JSON.parse(await readFile(join(runDir, RUN_FILES.run), 'utf8')) as RunRecord;
  } catch {
    return null;
  }
  if (record.job !== request.jobId || record.attempt !== request.attempt) return null;
  return isAlive(record.pid) || (await readStatus(runDir)) ? record : null;
}

/** Writes the run folder: the stage's data, its companion files and the config. Throws TrainingBackendError. */
async function prepareRun(format: RunFormat, request: StageRequest, settings: RunSettings) {
  const runDir = join(request.snapshotDir, request.stage);
  const outputDir = join(runDir, RUN_FILES.output);
  try {
    await mkdir(outputDir, { recursive: true });
    // A retried attempt reuses the folder: the last attempt's end must not read as this one's.
    await rm(join(runDir, RUN_FILES.status), { force: true });
    await rm(join(runDir, RUN_FILES.cancelled), { force: true });
    await rm(join(runDir, RUN_FILES.run), { force: true });
    const { rows, skipped } = await writeStageData(format, request, runDir);
    if (rows === 0) throw new TrainingBackendError(`no usable ${request.stage} data in ${request.snapshotDir} (${skipped} lines skipped)`);
    const { config, extra } = format.files(request, runDir, outputDir, settings);
    for (const file of [...extra, config]) await writeOutputText(runDir, file.file, file.text);
    return { runDir, outputDir, configPath: join(runDir, config.file), rows, skipped };
  } catch (error) {
    if (error instanceof TrainingBackendError) throw error;
    throw new TrainingBackendError(`could not write the run folder ${runDir}: ${describeError(error)}`);
  }
}

export function createCommandTrainingBackend(options: CommandTrainingBackendOptions): TrainingBackend {
  const format = runFormat(options.format);
  const settings: RunSettings = { template: options.template, finetuningType: options.finetuningType ?? 'full' };
  const logger = options.logger ?? silentLogger;
  const killGraceMs = options.killGraceMs ?? 5_000;
  /** Commands this process started, until their status.json is written. */
  const children = new Map<number, Promise<void>>();

  return {
    kind: 'command',

    async start(request) {
      // A trainer that stopped between starting the command and storing its handle starts the stage again:
      // while this attempt's command still runs (or has ended), follow it instead of running a second one.
      const started = await startedRun(request);
      if (started) {
        logger.info('training command already started before a restart; following it', { job: request.jobId, stage: request.stage, pid: started.pid });
        return { backend: 'command', id: join(request.snapshotDir, request.stage), details: { pid: String(started.pid), stage: request.stage, config: started.config } };
      }
      const { runDir, outputDir, configPath, rows, skipped } = await prepareRun(format, request, settings);
      if (skipped > 0) logger.warn('snapshot lines skipped', { job: request.jobId, stage: request.stage, skipped });

      const env = trainingEnvironment(process.env, {
        INSITU_TRAIN_CONFIG: configPath,
        INSITU_TRAIN_DATA_DIR: runDir,
        INSITU_TRAIN_STAGE: request.stage,
        INSITU_TRAIN_OUTPUT_DIR: outputDir,
        INSITU_TRAIN_MODEL: request.model,
      });
      const statusPath = join(runDir, RUN_FILES.status);
      const log = await open(join(runDir, RUN_FILES.log), 'w');
      let pid: number | undefined;
      try {
        // detached: the command leads its own process group, so cancel can stop everything it started.
        const child = spawn('/bin/sh', ['-c', WRAPPER, 'insitu-train', options.command, statusPath], { cwd: runDir, env, detached: true, stdio: ['ignore', log.fd, log.fd] });
        pid = child.pid;
        if (pid === undefined) throw new TrainingBackendError('could not start /bin/sh for the training command', { retriable: true });
        const childPid = pid;
        const finished = new Promise<void>((resolve) => {
          child.once('exit', (code, signal) => {
            void (async () => {
              // The wrapper wrote status.json unless a signal ended it.
              if (!(await exists(statusPath))) {
                const status: RunStatusFile = { exit_code: code, signal, finished_at: new Date().toISOString() };
                await writeOutputText(runDir, RUN_FILES.status, JSON.stringify(status) + '\n').catch((error) => logger.error('could not write status.json', { run: runDir, error }));
              }
              children.delete(childPid);
              resolve();
            })();
          });
        });
        child.once('error', (error) => logger.error('training command failed to run', { run: runDir, error }));
        children.set(childPid, finished);
        const record: RunRecord = { job: request.jobId, attempt: request.attempt, pid: childPid, config: configPath };
        await writeOutputText(runDir, RUN_FILES.run, JSON.stringify(record) + '\n');
      } finally {
        await log.close(); // the child holds its own copy of the descriptor
      }
      logger.info('training command started', { job: request.jobId, stage: request.stage, run: runDir, pid, rows, skipped });
      return { backend: 'command', id: runDir, details: { pid: String(pid), stage: request.stage, config: configPath } };
    },

    async poll(handle) {
      const runDir = handle.id;
      const pid = Number(handle.details.pid);
      // Liveness before status.json: status.json is written before the process ends (by the wrapper, or by us
      // before we forget the child), so "not alive, then no status.json" really means gone.
      const alive = children.has(pid) || (Number.isInteger(pid) && pid > 0 && isAlive(pid));
      const status = await readStatus(runDir);
      const log = await summariseLog(join(runDir, RUN_FILES.log));
      const metrics = { ...log.metrics, log_lines: log.lines };
      const cancelled = await exists(join(runDir, RUN_FILES.cancelled));
      if (!status) {
        if (alive) {
          const last = log.tail[log.tail.length - 1];
          return last === undefined ? { state: 'running', metrics } : { state: 'running', metrics, progress: clean(last) };
        }
        if (cancelled) return { state: 'cancelled', metrics };
        return { state: 'failed', error: 'the training process is gone (trainer restarted?)', metrics };
      }
      if (status.exit_code === 0) return { state: 'succeeded', model: log.model ?? join(runDir, RUN_FILES.output), metrics };
      if (cancelled) return { state: 'cancelled', metrics };
      const how = status.signal ? `killed by ${status.signal}` : `exit code ${status.exit_code}`;
      const tail = log.tail.slice(-ERROR_TAIL_LINES).map(clean);
      return { state: 'failed', error: tail.length ? `${how}; log tail:\n${tail.join('\n')}` : how, metrics };
    },

    async cancel(handle) {
      const runDir = handle.id;
      const pid = Number(handle.details.pid);
      if (await readStatus(runDir)) return; // already over
      await writeFile(join(runDir, RUN_FILES.cancelled), new Date().toISOString() + '\n');
      if (!Number.isInteger(pid) || pid <= 0) return;
      const group = -pid;
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(group, name);
          return true;
        } catch {
          return false; // the group is gone
        }
      };
      if (signal('SIGTERM')) {
        for (let waited = 0; waited < killGraceMs && isAlive(group); waited += 100) await sleep(100);
        // SIGKILL cannot be refused; the wait is for the killed processes to be reaped.
        if (isAlive(group) && signal('SIGKILL')) for (let waited = 0; waited < killGraceMs && isAlive(group); waited += 100) await sleep(100);
      }
      await children.get(pid); // our own child: its status.json is written before cancel returns
      logger.info('training command cancelled', { run: runDir, pid });
    },
  };
}
