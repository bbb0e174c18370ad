// The promotion gate: a candidate replaces the served model only when the checklist-guided evaluation says
// users would prefer it, on enough evidence. Comparisons that failed (a model did not answer, or the judge did
// not give a verdict) count against the candidate: the win rate is over every comparison attempted, so 3 lucky
// wins among 100 mostly failed comparisons never promote; too few judged comparisons (INSITU_PROMOTE_MIN_N) or
// too many failed ones (INSITU_PROMOTE_MAX_JUDGE_FAILURES) refuse outright. Then the with-checklist win rate
// must reach INSITU_PROMOTE_MIN_WIN and the lose rate stay at or under INSITU_PROMOTE_MAX_LOSE. Passing writes
// the route (optionally as a canary).
import type { Route, RouteStore } from './routes.js';

/** Shares of judged comparisons, 0..1, and how many there were. */
export interface PairwiseRates {
  win: number;
  tie: number;
  lose: number;
  n: number;
}

/** What the gate decides on: the with-checklist rates and how many comparisons were attempted. */
export interface PromotionEvidence {
  /** Rates over the comparisons judged (failures are not in them). */
  withChecklist: PairwiseRates;
  /** Comparisons attempted (test samples selected); attempted - n failed. Default: n (none failed). */
  attempted?: number;
}

export interface PromotionPolicy {
  minWin: number;
  maxLose: number;
  /** Fewest judged comparisons a decision may rest on. */
  minN: number;
  /** Largest share of attempted comparisons that may have failed. */
  maxJudgeFailures: number;
  /** 0: the candidate takes all traffic; else it starts as a canary with this percent. */
  canaryPercent: number;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function decidePromotion(evidence: PromotionEvidence, policy: PromotionPolicy): PromotionDecision {
  const { withChecklist: rates } = evidence;
  const attempted = Math.max(evidence.attempted ?? rates.n, rates.n);
  const failed = attempted - rates.n;
  const failedShare = attempted === 0 ? 0 : failed / attempted;
  const of = failed > 0 ? ` (${failed} of ${attempted} comparisons failed)` : '';
  if (rates.n === 0) return { promote: false, reason: `no judged comparisons${of}` };
  if (rates.n < policy.minN) return { promote: false, reason: `only ${rates.n} judged comparisons${of}: under the minimum ${policy.minN} (INSITU_PROMOTE_MIN_N)` };
  if (failedShare > policy.maxJudgeFailures) {
    return { promote: false, reason: `${failed} of ${attempted} comparisons failed (${pct(failedShare)}): over ${pct(policy.maxJudgeFailures)} (INSITU_PROMOTE_MAX_JUDGE_FAILURES)` };
  }
  // A failed comparison is not a win: the win rate the gate uses is over everything attempted.
  const win = (rates.win * rates.n) / attempted;
  const facts = `win ${pct(win)}, tie ${pct(rates.tie)}, lose ${pct(rates.lose)} over ${rates.n} judged${of}`;
  if (win < policy.minWin) return { promote: false, reason: `${facts}: win rate under ${pct(policy.minWin)}` };
  if (rates.lose > policy.maxLose) return { promote: false, reason: `${facts}: lose rate over ${pct(policy.maxLose)}` };
  return { promote: true, reason: `${facts}: clears win >= ${pct(policy.minWin)} and lose <= ${pct(policy.maxLose)}` };
}

/** Applies the gate; on success writes the alias's new route. Returns the decision and the route written. */
export async function promoteIfBetter(params: {
  routes: RouteStore;
  alias: string;
  candidate: string;
  /** The model the alias served when the evaluation ran. */
  baseline: string;
  evidence: PromotionEvidence;
  policy: PromotionPolicy;
}): Promise<PromotionDecision & { route: Route | null }> {
  const decision = decidePromotion(params.evidence, params.policy);
  if (!decision.promote) return { ...decision, route: null };
  const canary = params.policy.canaryPercent > 0 && params.policy.canaryPercent < 100;
  const route = await params.routes.set({
    alias: params.alias,
    model: canary ? params.baseline : params.candidate,
    canary: canary ? { model: params.candidate, percent: params.policy.canaryPercent } : null,
    reason: `promoted ${params.candidate} over ${params.baseline}: ${decision.reason}`,
  });
  return { ...decision, route };
}
