// The evaluator on the bus: consumes insitu.training; for each `succeeded` job it evaluates the candidate
// against the model the served alias routes to now (or INSITU_TRAIN_BASE_MODEL when no route exists yet),
// writes the report under INSITU_DATA_DIR/evaluations, publishes `evaluated`, applies the promotion gate and
// publishes `promoted` or `rejected` (same job_id key, so a job's events stay in order).
//
// Why the handler does not evaluate: an evaluation makes thousands of model calls and can take many minutes,
// and the Kafka consumer (kafkajs) sends no heartbeats while a batch handler runs, so a long handler would
// cost the group its session and re-deliver the batch. The handler therefore only records the job durably in
// state (a per-job record plus an index of unfinished jobs) and returns, so the offset is committed at once;
// a worker in this process evaluates the recorded jobs one at a time. A restarted evaluator resumes the
// unfinished jobs from the index. A lease per job keeps two replicas from evaluating the same job, and the
// per-job record moves pending -> evaluated -> done only after the matching event is published, so a crash
// at any point repeats at most the last step, never publishes a step twice under different ids (event ids
// are deterministic), and a re-delivered `succeeded` event of a finished job does nothing.
import { configSecrets } from '../../src/secrets.js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../../src/config.js';
import { createPoisonGuard } from '../../src/bus/dead-letter/index.js';
import { StateError } from '../../src/errors.js';
import type { TrainingEvent } from '../../src/events/training.js';
import { nextTrainingEvent } from '../../src/events/training.js';
import { validateTrainingEvent } from '../../src/events/validate.js';
import { decidePromotion, promoteIfBetter } from '../../src/routing/promotion.js';
import { createRouteStore } from '../../src/routing/routes.js';
import type { Runtime } from '../../src/runtime.js';
import type { StateStore } from '../../src/state/types.js';
import { TOPICS } from '../../src/topics.js';
import type { ConsumerDefinition, RunningConsumer } from '../index.js';
import { SNAPSHOT_FILES } from '../trainer/backend.js';
import { createEmbedder, type Embedder } from './embeddings.js';
import { evaluate, evidenceOf, type EvaluationReport } from './evaluate.js';
import { createEvaluationJudge } from './judge/choose.js';
import type { PairwiseJudge } from './judge/pairwise.js';
import { readPairsFile } from './pairs-file.js';
import { writeReport } from './report.js';
import { createResponder, type Responder } from './responder.js';
import type { SelectionOptions } from './select.js';

export const EVALUATOR_GROUP = 'insitu.evaluator';
/** Word-shingle Jaccard similarity at or above which a test query counts as a near-duplicate of a selected one. */
export const DEFAULT_EVAL_DEDUP_JACCARD = 0.8;

const LEASE_MS = 10 * 60_000;
const DONE_TTL_MS = 90 * 24 * 3600_000;
const RETRY_MS = 2000;
const DEFAULT_STATE_PREFIX = 'insitu:evaluator';
const jobIdOf = (event: TrainingEvent) => `${event.job_id}:${event.attempt}`;

/** What the state holds per job: the succeeded event, then the evaluation, then done. */
type JobRecord =
  | { phase: 'pending'; event: TrainingEvent }
  | { phase: 'evaluated'; event: TrainingEvent; evaluated: TrainingEvent }
  | { phase: 'done' };

export interface EvaluatorOptions {
  /** Default: the INSITU_EVAL_URL endpoint. */
  responder?: Responder;
  /** Default: the LLM judge when INSITU_JUDGE_* is set, else the local checklist judge. */
  judge?: PairwiseJudge;
  /** Default: INSITU_EMBEDDINGS_* when set, else local TF-IDF (null forces TF-IDF). */
  embedder?: Embedder | null;
  selection?: Partial<SelectionOptions>;
  /** Samples in flight at once. */
  concurrency?: number;
  /** Prefix of the evaluator's state keys (default insitu:evaluator); separate evaluators need separate prefixes. */
  statePrefix?: string;
}

export interface EvaluatorStats {
  /** Valid `succeeded` events received. */
  received: number;
  /** Of those, re-deliveries of jobs already recorded (nothing new started). */
  duplicates: number;
  evaluated: number;
  promoted: number;
  rejected: number;
  /** Jobs rejected without an evaluation (no baseline, no test pairs...). */
  notEvaluable: number;
}

export interface RunningEvaluator extends RunningConsumer {
  stats(): EvaluatorStats;
  /** Resolves when no recorded job is waiting or running in this process. */
  idle(): Promise<void>;
}

/** The evaluator's state keys: the index of unfinished jobs, a record and a lease per job. */
function stateKeys(prefix: string) {
  return { index: `${prefix}:unfinished`, job: (id: string) => `${prefix}:job:${id}`, lease: (id: string) => `${prefix}:lease:${id}` };
}
type StateKeys = ReturnType<typeof stateKeys>;

async function readRecord(state: StateStore, keys: StateKeys, id: string): Promise<JobRecord | null> {
  const raw = await state.get(keys.job(id));
  return raw ? (JSON.parse(raw) as JobRecord) : null;
}

/** Compare-and-set on the index of unfinished jobs, so replicas never lose each other's entries. */
async function updateIndex(state: StateStore, keys: StateKeys, change: (ids: string[]) => string[]): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const raw = await state.get(keys.index);
    const ids = raw ? (JSON.parse(raw) as string[]) : [];
    const next = JSON.stringify([...new Set(change(ids))].sort());
    if (raw === next) return;
    if (raw === null ? await state.set(keys.index, next, { onlyIfAbsent: true }) : await state.setIfEquals(keys.index, raw, next)) return;
  }
  throw new StateError('the index of unfinished evaluations kept changing under us');
}

class Abandoned extends Error {}

export async function startEvaluator(runtime: Runtime, options: EvaluatorOptions = {}): Promise<RunningEvaluator> {
  const { bus, state, config } = runtime;
  const log = runtime.logger.child('evaluator');
  const responder = options.responder ?? createResponder({ url: config.evaluation.url, apiKey: config.evaluation.apiKey });
  const judge = options.judge ?? createEvaluationJudge(config);
  const embedder = options.embedder === null ? undefined : options.embedder ?? embedderFrom(config);
  const selection: SelectionOptions = {
    clusters: options.selection?.clusters ?? config.evaluation.clusters,
    perCluster: options.selection?.perCluster ?? config.evaluation.perCluster,
    dedupJaccard: options.selection?.dedupJaccard ?? DEFAULT_EVAL_DEDUP_JACCARD,
  };
  const routes = createRouteStore(state);
  const keys = stateKeys(options.statePrefix ?? DEFAULT_STATE_PREFIX);
  const owner = `evaluator-${randomBytes(6).toString('hex')}`;
  const stats: EvaluatorStats = { received: 0, duplicates: 0, evaluated: 0, promoted: 0, rejected: 0, notEvaluable: 0 };
  let closed = false;
  const poison = createPoisonGuard({ bus, group: EVALUATOR_GROUP, maxAttempts: config.dlqMaxAttempts, logger: log, secrets: configSecrets(config) });

  // The worker: one job at a time, in arrival order.
  const queued = new Set<string>();
  const renewals = new Set<NodeJS.Timeout>();
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (id: string) => {
    if (queued.has(id) || closed) return;
    queued.add(id);
    chain = chain.then(() => runJob(id)).finally(() => queued.delete(id));
  };
  const guard = () => {
    if (closed) throw new Abandoned('evaluator closed');
  };

  const publish = async (event: TrainingEvent) => {
    guard();
    await bus.publish([{ topic: TOPICS.training, key: event.job_id, value: JSON.stringify(event), headers: { 'insitu-schema': event.schema, 'insitu-version': String(event.version), 'insitu-event-id': event.event_id } }]);
  };

  async function finish(id: string) {
    guard();
    await state.set(keys.job(id), JSON.stringify({ phase: 'done' } satisfies JobRecord), { ttlMs: DONE_TTL_MS });
    await updateIndex(state, keys, (ids) => ids.filter((x) => x !== id));
  }

  async function notEvaluable(id: string, event: TrainingEvent, reason: string) {
    log.warn('rejecting a job without evaluation', { job_id: event.job_id, attempt: event.attempt, reason });
    await publish(nextTrainingEvent(event, { status: 'rejected', stage: null, error: reason, evaluation: null }));
    stats.notEvaluable++;
    stats.rejected++;
    await finish(id);
  }

  /** Pending -> evaluated: the evaluation, its report files and the `evaluated` event. Null: not evaluable. */
  async function evaluateJob(id: string, event: TrainingEvent): Promise<TrainingEvent | null> {
    const candidate = event.candidate_model;
    if (!candidate) return void (await notEvaluable(id, event, 'the succeeded job names no candidate model')), null;
    if (!event.dataset) return void (await notEvaluable(id, event, 'the succeeded job has no dataset snapshot')), null;
    const baseline = (await routes.get(config.promotion.alias))?.model ?? config.training.baseModel;
    if (!baseline) return void (await notEvaluable(id, event, `no baseline: alias '${config.promotion.alias}' has no route and INSITU_TRAIN_BASE_MODEL is not set`)), null;
    if (baseline === candidate) return void (await notEvaluable(id, event, `the candidate ${candidate} is already what '${config.promotion.alias}' serves`)), null;
    const path = join(event.dataset.snapshot_dir, SNAPSHOT_FILES.testPairs);
    let pairs;
    try {
      pairs = await readPairsFile(path);
    } catch (error) {
      return void (await notEvaluable(id, event, `cannot read the test pairs ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)), null;
    }
    if (pairs.invalidLines.length > 0) log.warn('skipping invalid test-pair lines', { job_id: event.job_id, lines: pairs.invalidLines.slice(0, 10), count: pairs.invalidLines.length });
    if (pairs.pairs.length === 0) return void (await notEvaluable(id, event, `no valid test pairs in ${path}`)), null;

    log.info('evaluating', { job_id: event.job_id, attempt: event.attempt, candidate, baseline, test_pairs: pairs.pairs.length, judge: judge.name });
    const report: EvaluationReport = await evaluate({
      samples: pairs.pairs, candidate, baseline, responder, judge, selection,
      ...(embedder ? { embedder } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    });
    guard();
    report.gate = decidePromotion(evidenceOf(report), config.promotion);
    const files = await writeReport(config.dataDir, report);
    const evaluated = nextTrainingEvent(event, {
      status: 'evaluated',
      stage: null,
      evaluation: {
        report_id: report.report_id, baseline, with_checklist: report.with_checklist, without_checklist: report.without_checklist, attempted: report.sizes.selected,
        promoted: false, reason: report.gate.reason,
      },
    });
    await publish(evaluated);
    stats.evaluated++;
    log.info('evaluated', { job_id: event.job_id, report: files.markdown, with_checklist: report.with_checklist, without_checklist: report.without_checklist, failures: report.failures });
    await state.set(keys.job(id), JSON.stringify({ phase: 'evaluated', event, evaluated } satisfies JobRecord));
    return evaluated;
  }

  /** Evaluated -> done: the gate, the route, and `promoted` or `rejected`. */
  async function gate(id: string, evaluated: TrainingEvent) {
    const evaluation = evaluated.evaluation!;
    guard();
    const result = await promoteIfBetter({
      routes, alias: config.promotion.alias, candidate: evaluated.candidate_model!, baseline: evaluation.baseline, policy: config.promotion,
      evidence: { withChecklist: evaluation.with_checklist, ...(evaluation.attempted !== undefined ? { attempted: evaluation.attempted } : {}) },
    });
    const status = result.promote ? 'promoted' : 'rejected';
    await publish(nextTrainingEvent(evaluated, { status, evaluation: { ...evaluation, promoted: result.promote, reason: result.reason } }));
    stats[result.promote ? 'promoted' : 'rejected']++;
    log.info(status, { job_id: evaluated.job_id, candidate: evaluated.candidate_model, baseline: evaluation.baseline, reason: result.reason, route: result.route });
    await finish(id);
  }

  async function runJob(id: string): Promise<void> {
    if (closed) return;
    if (!(await state.set(keys.lease(id), owner, { onlyIfAbsent: true, ttlMs: LEASE_MS }))) {
      log.debug('another evaluator holds the job', { job: id });
      return;
    }
    const renew = setInterval(() => void state.setIfEquals(keys.lease(id), owner, owner, { ttlMs: LEASE_MS }).catch(() => undefined), LEASE_MS / 3);
    renew.unref();
    renewals.add(renew);
    try {
      const record = await readRecord(state, keys, id);
      if (!record || record.phase === 'done') {
        await updateIndex(state, keys, (ids) => ids.filter((x) => x !== id));
        return;
      }
      const evaluated = record.phase === 'evaluated' ? record.evaluated : await evaluateJob(id, record.event);
      if (evaluated) await gate(id, evaluated);
    } catch (error) {
      if (error instanceof Abandoned || closed) return;
      // A transient failure (bus, state, disk): the job stays recorded and is tried again.
      log.warn('evaluation step failed; retrying', { job: id, error });
      setTimeout(() => enqueue(id), RETRY_MS).unref();
    } finally {
      clearInterval(renew);
      renewals.delete(renew);
      await state.deleteIfEquals(keys.lease(id), owner).catch(() => undefined);
    }
  }

  const subscription = await bus.subscribe({
    group: EVALUATOR_GROUP,
    topics: [TOPICS.training],
    fromBeginning: true,
    handler: async (records) => {
      for (const record of records) {
        const event = await poison.read(record, validateTrainingEvent, 'TrainingEvent');
        if (!event || event.status !== 'succeeded') continue;
        await poison.run(record, async () => {
          stats.received++;
          const id = jobIdOf(event);
          const existing = await readRecord(state, keys, id);
          if (existing) {
            stats.duplicates++;
            // Recorded but unfinished (a crash before the commit): make sure someone works on it.
            if (existing.phase !== 'done') enqueue(id);
            return;
          }
          // Index first: a job is never recorded without being findable after a restart.
          await updateIndex(state, keys, (ids) => [...ids, id]);
          await state.set(keys.job(id), JSON.stringify({ phase: 'pending', event } satisfies JobRecord), { onlyIfAbsent: true });
          enqueue(id);
        });
      }
    },
    onError: (error, records) => log.warn('batch failed; retrying', { error, records: records.length }),
  });
  // Jobs left unfinished by an earlier run (this or another replica, whose lease has lapsed).
  const raw = await state.get(keys.index);
  for (const id of raw ? (JSON.parse(raw) as string[]) : []) enqueue(id);
  log.info('consuming', { from: TOPICS.training, to: TOPICS.training, judge: judge.name, alias: config.promotion.alias });

  return {
    stats: () => ({ ...stats }),
    async idle() {
      for (let seen: Promise<void> | undefined; seen !== chain; ) {
        seen = chain;
        await chain;
      }
    },
    async close() {
      await subscription.close();
      // A running evaluation is abandoned, not awaited (it may take minutes): its record stays and the next
      // evaluator resumes it; the lease is released so that one need not wait for it to lapse.
      closed = true;
      for (const renew of renewals) clearInterval(renew);
      for (const id of queued) await state.deleteIfEquals(keys.lease(id), owner).catch(() => undefined);
      log.info('stopped', { ...stats });
    },
  };
}

function embedderFrom(config: Config): Embedder | undefined {
  const e = config.evaluation.embeddings;
  return e ? createEmbedder({ url: e.url, model: e.model, apiKey: e.apiKey }) : undefined;
}

export const evaluator: ConsumerDefinition = {
  name: 'evaluator',
  description: 'evaluates each trained candidate against the served model (checklist-guided, both orders) and promotes it when it wins (insitu.training -> insitu.training, routes)',
  start: (runtime) => startEvaluator(runtime),
};
