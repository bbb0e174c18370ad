// The filter pipeline: every candidate gets one verdict per filter, in FILTER_NAMES order. The pure filters
// (length, spurious-preference) always run, so a dropped pair shows every reason; the state and network ones
// (duplicate, moderation) are not called once something dropped and are recorded 'skipped'. The candidate is
// recorded for duplicate suppression only after everything passed, so a dropped pair never shadows a later
// good one. A ModerationUnavailableError or StateError propagates: the caller retries the batch later.
import type { Config } from '../../../src/config.js';
import type { FilterResult } from '../../../src/events/preference.js';
import type { StateStore } from '../../../src/state/types.js';
import type { FilterCandidate } from './candidate.js';
import { createDuplicateFilter } from './duplicate.js';
import { checkLength } from './length.js';
import { createModerationFilter } from './moderation.js';
import { checkSpuriousPreferences } from './spurious-preference.js';

export interface FilterPipelineOptions {
  state: StateStore;
  config: Config['pairs'];
  /** How long a recorded candidate keeps shadowing later duplicates. */
  dedupTtlMs: number;
  /** Key namespace of the duplicate filter: pairs and examples use different ones. */
  dedupKeyPrefix?: string;
  /** Moderation call limits (the endpoint itself comes from config.moderation). */
  moderation?: { timeoutMs?: number; retries?: number; backoffMs?: number };
}

export interface FilterOutcome {
  filters: FilterResult[];
  /** True when no filter dropped the candidate. */
  accepted: boolean;
}

export interface FilterPipeline {
  run(candidate: FilterCandidate): Promise<FilterOutcome>;
}

const skipped = (filter: string, detail: string): FilterResult => ({ filter, verdict: 'skipped', detail });
const dropped = (results: FilterResult[]) => results.some((r) => r.verdict === 'drop');

export function createFilterPipeline(options: FilterPipelineOptions): FilterPipeline {
  const { config } = options;
  const duplicates = createDuplicateFilter({ state: options.state, threshold: config.dedupJaccard, ttlMs: options.dedupTtlMs, keyPrefix: options.dedupKeyPrefix });
  const moderation = config.moderation
    ? createModerationFilter({
        ...config.moderation,
        timeoutMs: options.moderation?.timeoutMs ?? 30_000,
        retries: options.moderation?.retries ?? 2,
        backoffMs: options.moderation?.backoffMs,
      })
    : undefined;

  return {
    async run(candidate) {
      const filters = [checkLength(candidate, { maxChars: config.maxChars }), checkSpuriousPreferences(candidate)];
      filters.push(dropped(filters) ? skipped('duplicate', 'earlier filter dropped') : await duplicates.find(candidate));
      if (!moderation) filters.push(skipped('moderation', 'not configured'));
      else filters.push(dropped(filters) ? skipped('moderation', 'earlier filter dropped') : await moderation.check(candidate));
      if (!dropped(filters)) {
        // A concurrent duplicate may have claimed the keys since find(): then this one drops after all.
        const recorded = await duplicates.record(candidate);
        if (recorded.verdict === 'drop') filters[filters.findIndex((f) => f.filter === 'duplicate')] = recorded;
      }
      return { filters, accepted: !dropped(filters) };
    },
  };
}
