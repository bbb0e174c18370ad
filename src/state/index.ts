import { join } from 'node:path';
import { DEFAULT_KEY_NAMESPACE } from '../auth/key-store.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createMemoryState } from './memory.js';
import { createRedisState } from './redis.js';
import type { StateStore } from './types.js';

export type { StateStore, SetOptions } from './types.js';

/**
 * What the embedded runtime's state keeps across a restart (journalled under <INSITU_DATA_DIR>/state): training
 * jobs and the trainer's lease, evaluations, routes, per-user preferences, claimed pair ids, dlq markers. The
 * proxy's per-turn keys (stitching, turn snapshots) and the consumers' dedup keys stay in memory only: a journal
 * write per request halved the proxy's throughput at c=1 (bench:proxy, 1,026 -> 524 req/s).
 */
export const DURABLE_STATE_PREFIXES = ['insitu:trainer', 'insitu:evaluator', 'insitu:route', 'insitu:prefs:', 'insitu:pb:pair:', 'insitu:dlq:'] as const;

/** Redis when INSITU_REDIS_URL is set, memory otherwise (its durable part journalled, see above). */
export function createStateStore(config: Config, logger: Logger): StateStore {
  if (config.redis) return createRedisState({ url: config.redis.url, commandTimeoutMs: Math.max(config.stateTimeoutMs, 1000), logger: logger.child('redis') });
  // Virtual API keys' hashes stay in memory only (never on disk); they need Redis to be shared anyway.
  return createMemoryState({ maxKeys: config.stateMaxKeys, dir: join(config.dataDir, 'state'), unjournalled: [DEFAULT_KEY_NAMESPACE], durable: DURABLE_STATE_PREFIXES });
}
