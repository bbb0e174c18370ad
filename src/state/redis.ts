// Redis state via ioredis. Commands fail fast while Redis is unreachable (no offline queue), so callers on
// the request path degrade instead of hanging; the client keeps reconnecting in the background.
import { Redis } from 'ioredis';
import { StateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SetOptions, StateStore } from './types.js';

export function createRedisState(options: { url: string; commandTimeoutMs: number; logger: Logger }): StateStore {
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(2000, 50 * attempt),
    lazyConnect: false,
  });
  let warned = false;
  client.on('error', (error: Error) => {
    if (!warned) options.logger.warn('redis unavailable; retrying in the background', { error: error.message });
    warned = true;
  });
  client.on('ready', () => {
    if (warned) options.logger.info('redis reachable again');
    warned = false;
  });

  const wrap = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (error) {
      throw new StateError(`redis ${what} failed: ${(error as Error).message}`, { retriable: true, cause: error });
    }
  };

  return {
    kind: 'redis',
    get: (key) => wrap('get', () => client.get(key)),
    set: (key, value, opts: SetOptions = {}) =>
      wrap('set', async () => {
        let reply: string | null;
        if (opts.ttlMs && opts.onlyIfAbsent) reply = await client.set(key, value, 'PX', opts.ttlMs, 'NX');
        else if (opts.ttlMs) reply = await client.set(key, value, 'PX', opts.ttlMs);
        else if (opts.onlyIfAbsent) reply = await client.set(key, value, 'NX');
        else reply = await client.set(key, value);
        return reply === 'OK';
      }),
    del: (key) => wrap('del', async () => void (await client.del(key))),
    incr: (key, opts = {}) =>
      wrap('incr', async () => {
        if (!opts.ttlMs) return client.incr(key);
        const results = await client.multi().incr(key).pexpire(key, opts.ttlMs).exec();
        const [error, value] = results?.[0] ?? [new Error('empty reply'), null];
        if (error) throw error;
        return Number(value);
      }),
    ping: () => wrap('ping', async () => void (await client.ping())),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
