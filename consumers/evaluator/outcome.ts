// From verdicts to rates. Each comparison is judged twice, candidate shown as A and then as B, to cancel the
// judge's position bias. ++ and + count alike (as WildBench's win rate does). The two orders combine by the
// sign of their sum: both for the candidate, or one for it and one a tie -> win; the mirror -> lose; orders
// that contradict each other (a judge that always picks A) or two ties -> tie. A comparison with a failed
// order is left out of the rates and counted as a failure.
import type { PairwiseRates } from '../../src/routing/promotion.js';
import type { Choice } from './judge/prompt.js';

export type Outcome = 'win' | 'tie' | 'lose';

/** +1 when the verdict favours the candidate, -1 the baseline, 0 a tie. */
export function scoreFor(choice: Choice, candidateShownAs: 'A' | 'B'): number {
  const favoursA = choice === 'A++' || choice === 'A+' ? 1 : choice === 'A=B' ? 0 : -1;
  return candidateShownAs === 'A' ? favoursA : -favoursA;
}

/** `forward`: the verdict with the candidate as A; `backward`: with the candidate as B. */
export function combineOrders(forward: Choice, backward: Choice): Outcome {
  const sum = scoreFor(forward, 'A') + scoreFor(backward, 'B');
  return sum > 0 ? 'win' : sum < 0 ? 'lose' : 'tie';
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export function ratesOf(outcomes: readonly Outcome[]): PairwiseRates {
  const n = outcomes.length;
  const share = (o: Outcome) => (n === 0 ? 0 : round(outcomes.filter((x) => x === o).length / n));
  return { win: share('win'), tie: share('tie'), lose: share('lose'), n };
}
