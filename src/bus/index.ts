import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createEmbeddedBus } from './embedded.js';
import { createKafkaBus } from './kafka.js';
import type { Bus } from './types.js';

export type { Bus, DeliveredRecord, OutgoingRecord, SubscribeOptions, Subscription, TopicSpec } from './types.js';
export { openOutbox, type Outbox, type OutboxStats } from './outbox.js';

/** Kafka when INSITU_KAFKA_BROKERS is set, the embedded file-backed bus otherwise. */
export function createBus(config: Config, logger: Logger): Bus {
  if (!config.kafka) return createEmbeddedBus({ dataDir: config.dataDir, defaultPartitions: config.partitions, concurrency: config.consumerConcurrency, logger: logger.child('bus') });
  const k = config.kafka;
  return createKafkaBus({
    brokers: k.brokers,
    clientId: k.clientId,
    ssl: k.ssl,
    sasl: k.sasl,
    idempotent: k.idempotent,
    replicationFactor: k.replicationFactor,
    requestTimeoutMs: k.requestTimeoutMs,
    consumer: {
      sessionTimeoutMs: k.sessionTimeoutMs,
      heartbeatIntervalMs: k.heartbeatIntervalMs,
      maxWaitTimeMs: k.maxWaitTimeMs,
      partitionsConsumedConcurrently: config.consumerConcurrency,
    },
    logger: logger.child('kafka'),
  });
}

export const spoolDir = (config: Config): string => join(config.dataDir, 'spool');
