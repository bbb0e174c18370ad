// Reads a Kafka topic from the beginning with a fresh consumer group, as a downstream user would.
import { randomBytes } from 'node:crypto';
import { createKafkaBus } from '../../src/bus/kafka.js';
import type { DeliveredRecord } from '../../src/bus/types.js';
import { silentLogger } from '../../src/log.js';

/** Resolves with the records once `count` arrived, after a short extra wait so a duplicate would show up too. */
export async function readTopic(bootstrap: string, topic: string, count: number, timeoutMs = 30_000): Promise<DeliveredRecord[]> {
  const bus = createKafkaBus({
    brokers: [bootstrap], clientId: 'reader', ssl: false, idempotent: false, replicationFactor: 1, requestTimeoutMs: 3000,
    consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 400, maxWaitTimeMs: 100, partitionsConsumedConcurrently: 1 }, logger: silentLogger,
  });
  const got: DeliveredRecord[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${got.length} of ${count} records from ${topic}`)), timeoutMs);
      void bus
        .subscribe({ group: `reader-${randomBytes(4).toString('hex')}`, topics: [topic], fromBeginning: true, handler: async (records) => {
          got.push(...records);
          if (got.length >= count) (clearTimeout(timer), resolve());
        } })
        .catch(reject);
    });
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await bus.close();
  }
  return got;
}
