// The promotion gate: a candidate replaces the served model only when the checklist-guided evaluation says
// users would prefer it: its with-checklist win rate over the served model reaches INSITU_PROMOTE_MIN_WIN and
// its lose rate stays at or under INSITU_PROMOTE_MAX_LOSE. Passing writes the route (optionally as a canary).
import type { Route, RouteStore } from './routes.js';

/** Shares of judged comparisons, 0..1, and how many there were. */
export interface PairwiseRates {
  win: number;
  tie: number;
  lose: number;
  n: number;
}

export interface PromotionPolicy {
  minWin: number;
  maxLose: number;
  /** 0: the candidate takes all traffic; else it starts as a canary with this percent. */
  canaryPercent: number;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function decidePromotion(withChecklist: PairwiseRates, policy: PromotionPolicy): PromotionDecision {
  if (withChecklist.n === 0) return { promote: false, reason: 'no judged comparisons' };
  const facts = `win ${pct(withChecklist.win)}, tie ${pct(withChecklist.tie)}, lose ${pct(withChecklist.lose)} over ${withChecklist.n}`;
  if (withChecklist.win < policy.minWin) return { promote: false, reason: `${facts}: win rate under ${pct(policy.minWin)}` };
  if (withChecklist.lose > policy.maxLose) return { promote: false, reason: `${facts}: lose rate over ${pct(policy.maxLose)}` };
  return { promote: true, reason: `${facts}: clears win >= ${pct(policy.minWin)} and lose <= ${pct(policy.maxLose)}` };
}

/** Applies the gate; on success writes the alias's new route. Returns the decision and the route written. */
export async function promoteIfBetter(params: {
  routes: RouteStore;
  alias: string;
  candidate: string;
  /** The model the alias served when the evaluation ran. */
  baseline: string;
  withChecklist: PairwiseRates;
  policy: PromotionPolicy;
}): Promise<PromotionDecision & { route: Route | null }> {
  const decision = decidePromotion(params.withChecklist, params.policy);
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
