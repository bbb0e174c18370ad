// Redis state via ioredis. Commands fail fast while Redis is unreachable (no offline queue), so callers on
// the request path degrade instead of hanging; the client keeps reconnecting in the background.
import { Redis } from 'ioredis';
import { StateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SetOptions, StateStore } from './types.js';

// Compare-and-set / compare-and-delete in one round trip: a Lua script runs atomically on the server, so no
// other client can write between the comparison and the write.
const SET_IF_EQUALS = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1`;
const DELETE_IF_EQUALS = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

interface CompareCommands {
  insitu_set_if_equals(key: string, expected: string, value: string, ttlMs: string): Promise<number>;
  insitu_delete_if_equals(key: string, expected: string): Promise<number>;
}

export function createRedisState(options: { url: string; commandTimeoutMs: number; logger: Logger }): StateStore {
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(2000, 50 * attempt),
    lazyConnect: false,
  });
  // defineCommand: EVALSHA with a transparent fallback to EVAL when the server has not cached the script.
  client.defineCommand('insitu_set_if_equals', { numberOfKeys: 1, lua: SET_IF_EQUALS });
  client.defineCommand('insitu_delete_if_equals', { numberOfKeys: 1, lua: DELETE_IF_EQUALS });
  const scripts = client as unknown as CompareCommands;
  let warned = false;
  client.on('error', (error: Error) => {
    if (!warned) options.logger.warn('redis unavailable; retrying in the background', { error: error.message });
    warned = true;
  });
  client.on('ready', () => {
    if (warned) options.logger.info('redis reachable again');
    warned = false;
  });

  // The offline queue is off so that a Redis outage fails fast; but a store's first commands, issued right after
  // it was created (a CLI, a test), wait for the first connection, bounded by the command timeout.
  let everReady = false;
  const firstConnection = new Promise<void>((resolve) => {
    client.once('ready', () => {
      everReady = true;
      resolve();
    });
  });
  const awaitFirstConnection = async () => {
    if (everReady || client.status === 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([firstConnection, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.commandTimeoutMs)))]);
    clearTimeout(timer);
  };

  const wrap = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    try {
      await awaitFirstConnection();
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
    setIfEquals: (key, expected, value, opts = {}) =>
      wrap('setIfEquals', async () => (await scripts.insitu_set_if_equals(key, expected, value, opts.ttlMs ? String(Math.ceil(opts.ttlMs)) : '')) === 1),
    deleteIfEquals: (key, expected) => wrap('deleteIfEquals', async () => (await scripts.insitu_delete_if_equals(key, expected)) === 1),
    ping: () => wrap('ping', async () => void (await client.ping())),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
