// One evaluation of a candidate model against the served baseline (WildFeedback §4, WB-Reward style):
// select the test set (clusters of prompts and preferences, most central preferences, no near-duplicates),
// have both models answer each selected prompt, judge every sample four times (with and without the user's
// preferences as the checklist, each with the candidate shown as A and then as B), combine the two orders,
// and report win / tie / lose rates overall and per cluster. A failed generation or judgement is counted and
// the sample (or the variant) left out; nothing here throws for one bad call.
import type { PreferencePair } from '../../src/events/preference.js';
import { ulid } from '../../src/ids.js';
import type { PairwiseRates, PromotionDecision, PromotionEvidence } from '../../src/routing/promotion.js';
import type { Embedder } from './embeddings.js';
import type { PairwiseJudge } from './judge/pairwise.js';
import type { Choice } from './judge/prompt.js';
import { combineOrders, ratesOf, type Outcome } from './outcome.js';
import type { Responder } from './responder.js';
import { testSampleOf, type TestSample } from './sample.js';
import { selectTestSet, vectorize, type SelectedSample, type SelectionOptions } from './select.js';

const DEFAULT_CONCURRENCY = 8;
/** Responses kept in the report per sample, for reading; the judge saw them whole (up to its own clip). */
const REPORT_RESPONSE_CHARS = 2000;

export type Variant = 'with_checklist' | 'without_checklist';
export const VARIANTS: readonly Variant[] = ['with_checklist', 'without_checklist'];

export interface VariantVerdict {
  /** The verdict with the candidate shown as A. */
  forward: Choice;
  /** The verdict with the candidate shown as B. */
  backward: Choice;
  outcome: Outcome;
}

export interface SampleVerdict {
  pair_id: string;
  cluster: number;
  centrality: number;
  query: string;
  /** Null when a model could not answer (the sample is then out of every rate). */
  candidate_response: string | null;
  baseline_response: string | null;
  /** Null when the variant's judging failed (out of that variant's rates). */
  with_checklist: VariantVerdict | null;
  without_checklist: VariantVerdict | null;
  error: string | null;
}

export interface ClusterReport {
  cluster: number;
  label: string;
  size: number;
  selected: number;
  with_checklist: PairwiseRates;
  without_checklist: PairwiseRates;
}

export interface EvaluationReport {
  report_id: string;
  created_at: string;
  candidate: string;
  baseline: string;
  /** The judge model, or 'local-checklist'. */
  judge: string;
  /** 'tfidf' or 'embeddings:<model>'. */
  vectors: string;
  selection: { clusters: number; per_cluster: number; dedup_jaccard: number };
  sizes: { pool: number; selected: number; duplicates_removed: number; answered: number };
  failures: { generation: number; judge: number };
  with_checklist: PairwiseRates;
  without_checklist: PairwiseRates;
  clusters: ClusterReport[];
  timing: { started_at: string; finished_at: string; seconds: number };
  /** The promotion gate's verdict on this evaluation, when the caller applied it (why it would or would not promote). */
  gate?: PromotionDecision;
  samples: SampleVerdict[];
}

/** What the promotion gate decides on: every selected sample was one with-checklist comparison attempted. */
export function evidenceOf(report: Pick<EvaluationReport, 'with_checklist' | 'sizes'>): PromotionEvidence {
  return { withChecklist: report.with_checklist, attempted: report.sizes.selected };
}

export interface EvaluationProgress {
  selected: number;
  /** Samples both models answered (or failed to). */
  answered: number;
  /** Samples whose four judgements are done (or failed). */
  judged: number;
  seconds: number;
}

export interface EvaluateOptions {
  /** Held-out pairs or samples made from them; repeated pair ids count once. */
  samples: readonly (TestSample | PreferencePair)[];
  candidate: string;
  baseline: string;
  responder: Responder;
  judge: PairwiseJudge;
  /** Vectors from an embeddings endpoint; default local TF-IDF. */
  embedder?: Embedder;
  selection: SelectionOptions;
  /** Samples in flight at once (each makes 2 generations, then 4 judgements). Default 8. */
  concurrency?: number;
  onProgress?: (progress: EvaluationProgress) => void;
  now?: () => Date;
}

const isPair = (x: TestSample | PreferencePair): x is PreferencePair => 'schema' in x;
const clip = (text: string) => (text.length > REPORT_RESPONSE_CHARS ? `${text.slice(0, REPORT_RESPONSE_CHARS)} [...]` : text);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function judgeVariant(judge: PairwiseJudge, sample: TestSample, candidate: string, baseline: string, variant: Variant): Promise<VariantVerdict> {
  const checklist = variant === 'with_checklist' ? sample.preferences : null;
  const base = { history: sample.history, query: sample.query, checklist };
  const [forward, backward] = await Promise.all([
    judge.compare({ ...base, responseA: candidate, responseB: baseline }),
    judge.compare({ ...base, responseA: baseline, responseB: candidate }),
  ]);
  return { forward, backward, outcome: combineOrders(forward, backward) };
}

/** Runs `work` over items with at most `limit` in flight, keeping results in input order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}

export async function evaluate(options: EvaluateOptions): Promise<EvaluationReport> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const seconds = () => Math.max(0, (now().getTime() - started.getTime()) / 1000);

  const byId = new Map<string, TestSample>();
  for (const s of options.samples) {
    const sample = isPair(s) ? testSampleOf(s) : s;
    if (!byId.has(sample.pair_id)) byId.set(sample.pair_id, sample);
  }
  const pool = [...byId.values()];
  const vectors = await vectorize(pool, options.embedder);
  const selection = selectTestSet(pool, vectors, options.selection);

  const progress: EvaluationProgress = { selected: selection.selected.length, answered: 0, judged: 0, seconds: 0 };
  const report = () => options.onProgress?.({ ...progress, seconds: seconds() });
  let generationFailures = 0;
  let judgeFailures = 0;

  const evaluateOne = async ({ sample, cluster, centrality }: SelectedSample): Promise<SampleVerdict> => {
    const verdict: SampleVerdict = {
      pair_id: sample.pair_id, cluster, centrality, query: clip(sample.query),
      candidate_response: null, baseline_response: null, with_checklist: null, without_checklist: null, error: null,
    };
    const answers = await Promise.allSettled([options.responder.answer(options.candidate, sample.prompt), options.responder.answer(options.baseline, sample.prompt)]);
    progress.answered++;
    const [candidate, baseline] = answers;
    if (candidate.status === 'fulfilled') verdict.candidate_response = clip(candidate.value);
    if (baseline.status === 'fulfilled') verdict.baseline_response = clip(baseline.value);
    if (candidate.status === 'rejected' || baseline.status === 'rejected') {
      generationFailures++;
      verdict.error = answers.flatMap((a) => (a.status === 'rejected' ? [message(a.reason)] : [])).join('; ');
      progress.judged++;
      report();
      return verdict;
    }
    report();
    const judged = await Promise.allSettled(VARIANTS.map((v) => judgeVariant(options.judge, sample, candidate.value, baseline.value, v)));
    judged.forEach((result, i) => {
      if (result.status === 'fulfilled') verdict[VARIANTS[i]!] = result.value;
      else {
        judgeFailures++;
        verdict.error = [verdict.error, `${VARIANTS[i]}: ${message(result.reason)}`].filter(Boolean).join('; ');
      }
    });
    progress.judged++;
    report();
    return verdict;
  };

  const samples = await mapBounded(selection.selected, options.concurrency ?? DEFAULT_CONCURRENCY, evaluateOne);
  const ratesFor = (list: SampleVerdict[], variant: Variant) => ratesOf(list.flatMap((s) => (s[variant] ? [s[variant]!.outcome] : [])));
  const finished = now();
  return {
    report_id: `ev_${ulid(finished.getTime())}`,
    created_at: finished.toISOString(),
    candidate: options.candidate,
    baseline: options.baseline,
    judge: options.judge.name,
    vectors: selection.vectors,
    selection: { clusters: options.selection.clusters, per_cluster: options.selection.perCluster, dedup_jaccard: options.selection.dedupJaccard },
    sizes: {
      pool: selection.pool,
      selected: selection.selected.length,
      duplicates_removed: selection.duplicatesRemoved,
      answered: samples.filter((s) => s.candidate_response !== null && s.baseline_response !== null).length,
    },
    failures: { generation: generationFailures, judge: judgeFailures },
    with_checklist: ratesFor(samples, 'with_checklist'),
    without_checklist: ratesFor(samples, 'without_checklist'),
    clusters: selection.clusters.map((c) => {
      const members = samples.filter((s) => s.cluster === c.cluster);
      return { ...c, with_checklist: ratesFor(members, 'with_checklist'), without_checklist: ratesFor(members, 'without_checklist') };
    }),
    timing: { started_at: started.toISOString(), finished_at: finished.toISOString(), seconds: Math.round(seconds() * 1000) / 1000 },
    samples,
  };
}
