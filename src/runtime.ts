// The runtime: the bus and state store chosen by configuration (Kafka or embedded; Redis or memory), shared
// by the proxy and every consumer of one process.
import { createBus, type Bus } from './bus/index.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { createStateStore, type StateStore } from './state/index.js';
import { ALL_TOPICS } from './topics.js';

export interface Runtime {
  config: Config;
  bus: Bus;
  state: StateStore;
  logger: Logger;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const bus = createBus(config, logger);
  const state = createStateStore(config, logger);
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
    state,
    logger,
    async close() {
      await bus.close();
      await state.close();
    },
  };
}
