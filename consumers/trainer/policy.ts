// When to retrain (pure): enough new accepted pairs, or the interval elapsed, or a cron time passed, the last
// two only when there is something new to learn from.
import { nextFire } from '../../src/cron.js';

export interface TrainingPolicy {
  minPairs: number;
  intervalMs?: number;
  cron?: string;
}

export interface PolicyInput {
  /** Accepted pairs since the last run. */
  newPairs: number;
  /** When the last job was created (ms since the epoch); null: never (the interval has nothing to count from). */
  lastRunAt: number | null;
  now: number;
  policy: TrainingPolicy;
  /** The time cron fires were last checked up to (ms); a fire in (cronLastFire, now] triggers. Null: not yet. */
  cronLastFire: number | null;
}

export interface PolicyDecision {
  train: boolean;
  reason: string;
}

export function shouldTrain(input: PolicyInput): PolicyDecision {
  const { newPairs, lastRunAt, now, policy, cronLastFire } = input;
  if (newPairs >= policy.minPairs) return { train: true, reason: `${newPairs} new pairs reached the minimum of ${policy.minPairs}` };
  if (newPairs <= 0) return { train: false, reason: 'no new pairs' };
  if (policy.intervalMs !== undefined && lastRunAt !== null && now - lastRunAt >= policy.intervalMs) {
    return { train: true, reason: `${newPairs} new pairs and ${Math.round((now - lastRunAt) / 1000)} s since the last run (interval ${Math.round(policy.intervalMs / 1000)} s)` };
  }
  if (policy.cron !== undefined && cronLastFire !== null) {
    const fire = nextFire(policy.cron, new Date(cronLastFire));
    if (fire.getTime() <= now) return { train: true, reason: `${newPairs} new pairs and the schedule '${policy.cron}' fired at ${fire.toISOString()}` };
  }
  return { train: false, reason: `${newPairs} new pairs, below the minimum of ${policy.minPairs}` };
}
