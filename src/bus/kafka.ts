// The Kafka bus (kafkajs). Producer: acks=all, idempotent where the broker allows, gzip, batched by the
// caller (the outbox). Consumers: one kafkajs consumer per subscription, batches handled per partition,
// offsets committed after the handler resolves (at-least-once; events carry ids for idempotent handling).
import { CompressionTypes, Kafka, logLevel as KafkaLogLevel, type Consumer, type Producer, type SASLOptions } from 'kafkajs';
import { BusError, RecordRejectedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Bus, DeliveredRecord, OutgoingRecord, SubscribeOptions, Subscription, TopicSpec } from './types.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
  idempotent: boolean;
  replicationFactor: number;
  requestTimeoutMs: number;
  consumer: { sessionTimeoutMs: number; heartbeatIntervalMs: number; maxWaitTimeMs: number; partitionsConsumedConcurrently: number };
  logger: Logger;
}

/** Broker answers that no retry can fix: the record itself is refused. */
const RECORD_REJECTIONS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TOPIC_EXCEPTION']);

function rejectionType(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && RECORD_REJECTIONS.has(type)) return type;
    if (e instanceof Error && /too large/i.test(e.message)) return 'MESSAGE_TOO_LARGE';
  }
  return undefined;
}

export function createKafkaBus(options: KafkaBusOptions): Bus {
  const log = options.logger;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ssl: options.ssl,
    sasl: options.sasl as SASLOptions | undefined,
    requestTimeout: options.requestTimeoutMs,
    connectionTimeout: Math.min(options.requestTimeoutMs, 5000),
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => ({ namespace, level, log: entry }) => {
      const { message, broker } = entry as { message?: string; broker?: string };
      // kafkajs reports every connection failure while a broker is down; warn once per message is enough.
      if (level <= KafkaLogLevel.WARN) log.warn(`kafkajs: ${message ?? ''}`, { namespace, broker });
      else log.debug(`kafkajs: ${message ?? ''}`, { namespace });
    },
  });

  let producer: Producer | undefined;
  let producerReady: Promise<Producer> | undefined;
  const admin = kafka.admin();
  let adminConnected: Promise<void> | undefined;
  const subscriptions = new Set<Subscription>();
  let closed = false;

  const connectAdmin = () => (adminConnected ??= admin.connect().catch((error) => {
    adminConnected = undefined;
    throw error;
  }));

  function getProducer(): Promise<Producer> {
    producerReady ??= (async () => {
      const p = kafka.producer({
        idempotent: options.idempotent,
        maxInFlightRequests: options.idempotent ? 1 : 5,
        allowAutoTopicCreation: true,
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      await p.connect();
      producer = p;
      return p;
    })().catch((error) => {
      producerReady = undefined;
      throw error;
    });
    return producerReady;
  }

  /** After a failure the producer is rebuilt: a restarted cluster no longer knows its producer id. */
  async function dropProducer() {
    const p = producer;
    producer = undefined;
    producerReady = undefined;
    if (p) await p.disconnect().catch(() => undefined);
  }

  /**
   * Where each partition of the subscription without a committed offset for the group starts, resolved
   * before the group is joined. For "only new records", kafkajs would look up the latest offset itself, but
   * only at its first fetch, after the join: a record published in between (subscribe has resolved, so the
   * caller may publish) fell before that offset and was never delivered. For the last N records, kafkajs
   * has no option at all. From the beginning needs nothing: the earliest offset does not move on publish.
   */
  async function startOffsets(sub: SubscribeOptions): Promise<Map<string, string>> {
    const start = new Map<string, string>();
    const fromLast = sub.fromLast ?? (sub.fromBeginning ? undefined : 0);
    if (fromLast === undefined) return start;
    await connectAdmin();
    const committed = await admin.fetchOffsets({ groupId: sub.group, topics: sub.topics });
    const uncommitted = new Set(committed.flatMap(({ topic, partitions }) => partitions.filter((p) => BigInt(p.offset) < 0n).map((p) => `${topic}/${p.partition}`)));
    for (const topic of sub.topics) {
      for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) {
        const key = `${topic}/${partition}`;
        if (!uncommitted.has(key)) continue;
        const from = BigInt(high) - BigInt(Math.max(0, fromLast));
        start.set(key, String(from > BigInt(low) ? from : BigInt(low)));
      }
    }
    return start;
  }

  return {
    kind: 'kafka',
    async ensureTopics(topics: TopicSpec[]) {
      try {
        await connectAdmin();
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t.name));
        if (missing.length === 0) return;
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: options.replicationFactor })),
        });
        log.info('created topics', { topics: missing.map((t) => t.name) });
      } catch (error) {
        throw new BusError(`could not create topics: ${(error as Error).message}`, { retriable: true, cause: error });
      }
    },
    async publish(records: OutgoingRecord[]) {
      if (closed) throw new BusError('kafka bus is closed');
      const byTopic = new Map<string, { key: string; value: string; headers?: Record<string, string>; timestamp?: string }[]>();
      for (const r of records) {
        let list = byTopic.get(r.topic);
        if (!list) byTopic.set(r.topic, (list = []));
        list.push({ key: r.key, value: r.value, headers: r.headers, timestamp: String(r.timestamp ?? Date.now()) });
      }
      try {
        const p = await getProducer();
        await p.sendBatch({
          acks: -1,
          compression: CompressionTypes.GZIP,
          timeout: options.requestTimeoutMs,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
      } catch (error) {
        await dropProducer();
        const rejected = rejectionType(error);
        if (rejected) throw new RecordRejectedError(`broker refused the records: ${rejected}`, { cause: error });
        throw new BusError(`publish failed: ${(error as Error).message}`, { retriable: true, cause: error });
      }
    },
    async subscribe(sub: SubscribeOptions): Promise<Subscription> {
      const c = options.consumer;
      const consumer: Consumer = kafka.consumer({
        groupId: sub.group,
        sessionTimeout: c.sessionTimeoutMs,
        heartbeatInterval: c.heartbeatIntervalMs,
        maxWaitTimeInMs: c.maxWaitTimeMs,
        allowAutoTopicCreation: true,
        retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5000 },
      });
      await consumer.connect();
      let start: Map<string, string>;
      try {
        await consumer.subscribe({ topics: sub.topics, fromBeginning: sub.fromBeginning ?? false });
        start = await startOffsets(sub);
      } catch (error) {
        await consumer.disconnect().catch(() => undefined);
        throw new BusError(`could not subscribe ${sub.group}: ${(error as Error).message}`, { retriable: true, cause: error });
      }
      // Resolve once the group is joined and positioned, so "only new records" means new from the caller's
      // point of view: on the first join, partitions without a committed offset are moved to the start offset
      // resolved above; the seek is registered synchronously in the join event, before kafkajs fetches.
      const joined = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(30_000, c.sessionTimeoutMs * 2));
        const remove = consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
          clearTimeout(timer);
          remove();
          for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
            for (const partition of partitions) {
              const offset = start.get(`${topic}/${partition}`);
              if (offset !== undefined) consumer.seek({ topic, partition, offset });
            }
          }
          resolve();
        });
      });
      let stopping = false;
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: c.partitionsConsumedConcurrently,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
          if (batch.messages.length === 0) return;
          const records: DeliveredRecord[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString('utf8') ?? '',
            value: m.value?.toString('utf8') ?? '',
            headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? String(v[0] ?? '') : String(v ?? '')])),
            timestamp: Number(m.timestamp),
          }));
          // The handler is retried here, not by kafkajs, so one bad batch never crashes the consumer.
          for (let attempt = 1; ; attempt++) {
            if (stopping || !isRunning() || isStale()) return;
            try {
              await sub.handler(records);
              break;
            } catch (error) {
              if (sub.onError) sub.onError(error, records);
              else log.warn('handler failed; retrying batch', { group: sub.group, topic: batch.topic, partition: batch.partition, attempt, error });
              await new Promise((r) => setTimeout(r, Math.min(5000, 200 * attempt)));
              await heartbeat().catch(() => undefined);
            }
          }
          const last = records[records.length - 1]!;
          resolveOffset(last.offset); // moves the fetch position past the batch
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
        },
      });
      await joined;
      const subscription: Subscription = {
        close: async () => {
          stopping = true;
          subscriptions.delete(subscription);
          await consumer.disconnect().catch(() => undefined);
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },
    async endOffsets(topic) {
      try {
        await connectAdmin();
        const offsets = await admin.fetchTopicOffsets(topic);
        return new Map(offsets.map((o) => [o.partition, o.high] as const));
      } catch (error) {
        throw new BusError(`kafka end offsets of ${topic} unavailable: ${(error as Error).message}`, { retriable: true, cause: error });
      }
    },
    async ping() {
      try {
        await connectAdmin();
        await admin.describeCluster();
      } catch (error) {
        throw new BusError(`kafka unreachable: ${(error as Error).message}`, { retriable: true, cause: error });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...subscriptions].map((s) => s.close()));
      await dropProducer();
      if (adminConnected) await admin.disconnect().catch(() => undefined);
    },
  };
}
