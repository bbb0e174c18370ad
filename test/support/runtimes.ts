// The two runtimes every end-to-end test runs on: embedded bus with memory state, and Kafka (librdkafka's
// mock cluster) with Redis. Quick group rebalances and short fetch waits keep the Kafka run brisk.
import { after, describe, test } from 'node:test';
import { startKafkaBroker, type KafkaBroker } from './kafka-broker.js';

export function kafkaRuntimeEnv(broker: KafkaBroker, options: { redis?: boolean } = {}): Record<string, string> {
  return {
    INSITU_KAFKA_BROKERS: broker.bootstrap, INSITU_KAFKA_REPLICATION: '1', INSITU_BUS_PARTITIONS: '1', INSITU_KAFKA_SESSION_TIMEOUT_MS: '6000',
    INSITU_KAFKA_HEARTBEAT_MS: '400', INSITU_KAFKA_MAX_WAIT_MS: '100',
    ...(options.redis === false ? {} : { INSITU_REDIS_URL: 'redis://127.0.0.1:6379' }),
  };
}

/** A suite with one test per runtime, each given the environment that selects it. */
export function onBothRuntimes(title: string, run: (env: Record<string, string>) => Promise<void>, options: { redis?: boolean } = {}): void {
  describe(title, () => {
    let broker: KafkaBroker | undefined;
    after(async () => broker?.stop());
    test(options.redis === false ? 'embedded runtime' : 'embedded runtime, memory state', () => run({}));
    test(options.redis === false ? 'Kafka runtime' : 'Kafka runtime, Redis state', async () => {
      broker = await startKafkaBroker({ partitions: 1 });
      await run(kafkaRuntimeEnv(broker, options));
    });
  });
}
