// `insitu eval`: the evaluator's code path by hand, for a candidate from any source.
//   insitu eval --candidate M [--baseline M] (--pairs FILE.jsonl | --job JOB_ID) [--promote] [--json] [--out DIR]
// Both models answer the held-out prompts on INSITU_EVAL_URL, the judge (INSITU_JUDGE_* or the local checklist
// judge) compares them with and without the users' preferences, in both orders; the Table-3 report goes to
// stdout and to <INSITU_DATA_DIR>/evaluations (or --out DIR); progress goes to stderr. --promote applies the
// promotion gate and writes the served alias's route, which lives in the state store: it needs Redis.
import { join } from 'node:path';
import { createEmbedder } from '../../consumers/evaluator/embeddings.js';
import { evaluate, evidenceOf, type EvaluationProgress, type EvaluationReport } from '../../consumers/evaluator/evaluate.js';
import { createEvaluationJudge } from '../../consumers/evaluator/judge/choose.js';
import type { PairwiseJudge } from '../../consumers/evaluator/judge/pairwise.js';
import { readPairsFile } from '../../consumers/evaluator/pairs-file.js';
import { formatReport, writeReport, writeReportTo } from '../../consumers/evaluator/report.js';
import { createResponder, type Responder } from '../../consumers/evaluator/responder.js';
import { DEFAULT_EVAL_DEDUP_JACCARD } from '../../consumers/evaluator/runner.js';
import { SNAPSHOT_FILES } from '../../consumers/trainer/backend.js';
import { loadConfig, type Config } from '../config.js';
import { createLogger, type Logger } from '../log.js';
import { decidePromotion, promoteIfBetter, type PromotionDecision } from '../routing/promotion.js';
import { createRouteStore, type Route } from '../routing/routes.js';
import { createStateStore } from '../state/index.js';
import { flag, option, UsageError } from './args.js';
import { folderPath, inputFilePath } from './paths.js';

const USAGE = 'eval --candidate MODEL [--baseline MODEL] (--pairs FILE.jsonl | --job JOB_ID) [--promote] [--json] [--out DIR]';

export interface EvalIo {
  out(text: string): void;
  err(text: string): void;
  /** Default: loadConfig() from the environment. */
  config?: Config;
  logger?: Logger;
  /** Stand-ins for tests and embedding; default from config. */
  responder?: Responder;
  judge?: PairwiseJudge;
  /** Rewrite one progress line in place (a terminal) instead of printing lines. */
  tty?: boolean;
}

export interface EvalResult {
  report: EvaluationReport;
  files: { json: string; markdown: string };
  promotion: (PromotionDecision & { route: Route | null }) | null;
}

function pairsPath(args: string[], config: Config): string {
  const pairs = option(args, '--pairs');
  const job = option(args, '--job');
  if ((pairs === undefined) === (job === undefined)) throw new UsageError(`use one of --pairs FILE.jsonl or --job JOB_ID (${USAGE})`);
  if (job !== undefined && (!/^[A-Za-z0-9._-]{1,128}$/.test(job) || /^\.+$/.test(job))) throw new UsageError(`--job ${job}: not a job id`);
  const path = pairs ?? join(config.dataDir, 'training', job!, SNAPSHOT_FILES.testPairs);
  return inputFilePath(path, pairs !== undefined ? '--pairs' : `--job ${job}`);
}

function progressPrinter(io: EvalIo): (p: EvaluationProgress) => void {
  let lastStep = -1;
  return (p) => {
    const rate = p.judged / Math.max(p.seconds, 1e-9);
    const text = `answered ${p.answered}/${p.selected}, judged ${p.judged}/${p.selected}, ${rate.toFixed(2)} samples/s`;
    if (io.tty) return io.err(`\r${text}${p.judged === p.selected ? '\n' : ''}`);
    // Not a terminal: a line per tenth of the test set, and the last one.
    const step = Math.floor((10 * p.judged) / Math.max(1, p.selected));
    if (step !== lastStep) {
      lastStep = step;
      io.err(`${text}\n`);
    }
  };
}

export async function evalCommand(argv: string[], io: EvalIo): Promise<EvalResult> {
  const args = [...argv];
  const config = io.config ?? loadConfig();
  const logger = io.logger ?? createLogger({ level: config.logLevel });
  const candidate = option(args, '--candidate');
  let baseline = option(args, '--baseline');
  const promote = flag(args, '--promote');
  const json = flag(args, '--json');
  const outText = option(args, '--out');
  const outDir = outText === undefined ? undefined : folderPath(outText, '--out');
  const path = pairsPath(args, config);
  if (args.length > 0) throw new UsageError(`eval: unexpected argument '${args[0]}' (${USAGE})`);
  if (!candidate) throw new UsageError(`eval needs --candidate MODEL (${USAGE})`);
  // Routes live in the state store: written to an in-memory one, no proxy would ever see them.
  if (promote && !config.redis) throw new UsageError('--promote writes the route to the state store, and it is in memory (no INSITU_REDIS_URL): no proxy would see it. Set INSITU_REDIS_URL.');

  const state = config.redis && (promote || baseline === undefined) ? createStateStore(config, logger) : undefined;
  try {
    const routes = state ? createRouteStore(state) : undefined;
    baseline ??= (await routes?.get(config.promotion.alias))?.model ?? config.training.baseModel;
    if (!baseline) throw new UsageError(`eval needs --baseline MODEL ('${config.promotion.alias}' has no route to compare against and INSITU_TRAIN_BASE_MODEL is not set)`);
    if (baseline === candidate) throw new UsageError(`--candidate and the baseline are the same model (${candidate})`);

    const { pairs, invalidLines } = await readPairsFile(path);
    if (invalidLines.length > 0) io.err(`skipping ${invalidLines.length} line(s) that are not valid preference pairs (first: line ${invalidLines[0]})\n`);
    if (pairs.length === 0) throw new UsageError(`${path}: no valid preference pairs`);
    const embeddings = config.evaluation.embeddings;
    const report = await evaluate({
      samples: pairs,
      candidate,
      baseline,
      responder: io.responder ?? createResponder({ url: config.evaluation.url, apiKey: config.evaluation.apiKey }),
      judge: io.judge ?? createEvaluationJudge(config),
      ...(embeddings ? { embedder: createEmbedder({ url: embeddings.url, model: embeddings.model, apiKey: embeddings.apiKey }) } : {}),
      selection: { clusters: config.evaluation.clusters, perCluster: config.evaluation.perCluster, dedupJaccard: DEFAULT_EVAL_DEDUP_JACCARD },
      onProgress: progressPrinter(io),
    });
    report.gate = decidePromotion(evidenceOf(report), config.promotion);
    const files = outDir ? await writeReportTo(outDir, report) : await writeReport(config.dataDir, report);
    io.err(`report: ${files.markdown}\n`);

    let promotion: EvalResult['promotion'] = null;
    if (promote) {
      promotion = await promoteIfBetter({ routes: routes!, alias: config.promotion.alias, candidate, baseline, evidence: evidenceOf(report), policy: config.promotion });
    }
    if (json) {
      const { samples: _samples, ...summary } = report;
      io.out(JSON.stringify({ ...summary, files, promotion }, null, 2) + '\n');
    } else {
      io.out(formatReport(report) + '\n');
      if (promotion) io.out(`\n${promotion.promote ? 'promoted' : 'not promoted'}: ${promotion.reason}\n`);
    }
    return { report, files, promotion };
  } finally {
    await state?.close();
  }
}
