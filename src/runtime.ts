// The runtime: the bus and state store chosen by configuration (Kafka or embedded; Redis or memory), shared
// by the proxy and every consumer of one process.
import { createBus, type Bus } from './bus/index.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { createStateStore, type StateStore } from './state/index.js';
import { instrumentBus } from './telemetry/bus-instrumentation.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';
import { ALL_TOPICS } from './topics.js';

export interface Runtime {
  config: Config;
  bus: Bus;
  state: StateStore;
  logger: Logger;
  /** This process's Prometheus metrics (GET /metrics on the proxy). */
  metrics: Metrics;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const metrics = createMetrics();
  const bus = instrumentBus(createBus(config, logger), metrics);
  // Opened on first use: on the embedded runtime the state is a journalled file one process holds at a time,
  // and commands that only read or write the bus (tap, ingest) must not take it from a running `insitu up`.
  let state: StateStore | undefined;
  if (!config.kafka || config.kafka.createTopics) {
    try {
      await bus.ensureTopics(ALL_TOPICS.map((name) => ({ name, partitions: config.partitions })));
    } catch (error) {
      // The broker may come up later: publishing spools meanwhile, consumers retry.
      logger.warn('could not ensure topics at start-up', { error });
    }
  }
  return {
    config,
    bus,
    get state() {
      return (state ??= createStateStore(config, logger));
    },
    logger,
    metrics,
    async close() {
      await bus.close();
      await state?.close();
    },
  };
}
