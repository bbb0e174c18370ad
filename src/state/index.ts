import { join } from 'node:path';
import { DEFAULT_KEY_NAMESPACE } from '../auth/key-store.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createMemoryState } from './memory.js';
import { createRedisState } from './redis.js';
import type { StateStore } from './types.js';

export type { StateStore, SetOptions } from './types.js';

/** Redis when INSITU_REDIS_URL is set, memory otherwise (journalled under <INSITU_DATA_DIR>/state, so it survives a restart). */
export function createStateStore(config: Config, logger: Logger): StateStore {
  if (config.redis) return createRedisState({ url: config.redis.url, commandTimeoutMs: Math.max(config.stateTimeoutMs, 1000), logger: logger.child('redis') });
  // Virtual API keys' hashes stay in memory only (never on disk); they need Redis to be shared anyway.
  return createMemoryState({ maxKeys: config.stateMaxKeys, dir: join(config.dataDir, 'state'), unjournalled: [DEFAULT_KEY_NAMESPACE] });
}
