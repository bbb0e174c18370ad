// Checks for the services the test suite needs; each failure says exactly how to fix it.
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';

export const REDIS_START = 'redis-server --daemonize yes --port 6379 --save "" --appendonly no';
export const KAFKA_LAUNCHER_INSTALL = 'apt-get install -y librdkafka1 python3';

/** Resolves when a Redis at `url` answers PING; throws a how-to-start error otherwise. */
export async function requireRedis(url = 'redis://127.0.0.1:6379'): Promise<void> {
  // No retries and no offline queue: a missing Redis must fail in about a second, not hang the suite.
  const redis = new Redis(url, { connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, lazyConnect: true });
  let cause: Error | undefined;
  redis.on('error', (err: Error) => (cause ??= err)); // e.g. ECONNREFUSED; reported through the thrown error below
  try {
    await redis.connect();
    const pong = await redis.ping();
    if (pong !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(pong)}`);
  } catch (err) {
    throw new Error(`Redis is not reachable at ${url} (${(cause ?? (err as Error)).message}). Start it with: ${REDIS_START}`);
  } finally {
    redis.disconnect();
  }
}

/** Throws unless python3 can load librdkafka.so.1 (what test/support/kafka/kafka_mock.py needs). */
export function requireKafkaLauncher(): void {
  try {
    execFileSync('python3', ['-c', "import ctypes; ctypes.CDLL('librdkafka.so.1')"], { stdio: 'pipe', timeout: 10_000 });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString('utf8').trim();
    throw new Error(`the Kafka mock launcher cannot run: python3 cannot load librdkafka.so.1 (${stderr || (err as Error).message}). Install with: ${KAFKA_LAUNCHER_INSTALL}`);
  }
}
