// Keeps reading a Kafka topic from the beginning (fresh group) and collects every record, duplicates included,
// until closed: for fault tests that need to see what a broker held before it died.
import { randomBytes } from 'node:crypto';
import { createKafkaBus } from '../../src/bus/kafka.js';
import type { DeliveredRecord } from '../../src/bus/types.js';
import { silentLogger } from '../../src/log.js';

export interface TopicCollector {
  records: DeliveredRecord[];
  /** Parsed values of the records, in arrival order. */
  values<T = any>(): T[];
  /** Resolves once `ok(records)` holds; rejects with `what()` after timeoutMs. */
  waitUntil(ok: (records: DeliveredRecord[]) => boolean, what: () => string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function collectTopic(bootstrap: string, topics: string[]): Promise<TopicCollector> {
  const bus = createKafkaBus({
    brokers: [bootstrap], clientId: 'collector', ssl: false, idempotent: false, replicationFactor: 1, requestTimeoutMs: 3000,
    consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 400, maxWaitTimeMs: 100, partitionsConsumedConcurrently: 1 }, logger: silentLogger,
  });
  const records: DeliveredRecord[] = [];
  let waiters: (() => void)[] = [];
  const subscription = await bus.subscribe({
    group: `collector-${randomBytes(4).toString('hex')}`, topics, fromBeginning: true,
    handler: async (batch) => {
      records.push(...batch);
      for (const w of waiters) w();
    },
  });
  let closed = false;
  return {
    records,
    values: () => records.map((r) => JSON.parse(r.value)),
    waitUntil(ok, what, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!ok(records)) return;
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== check);
          reject(new Error(`timed out after ${timeoutMs} ms: ${what()}`));
        }, timeoutMs);
        waiters.push(check);
        check();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      // A dead broker can make a clean close hang: never let it hold the test.
      await Promise.race([subscription.close().then(() => bus.close()), new Promise((r) => setTimeout(r, 3000).unref())]).catch(() => undefined);
    },
  };
}

/** Counts of each id: the ids that occur more than once. */
export function duplicatesOf(ids: string[]): string[] {
  const seen = new Map<string, number>();
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}
