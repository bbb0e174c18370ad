// The dataset store on the bus: consumes insitu.preferences and insitu.examples and appends accepted pairs and
// examples to INSITU_DATA_DIR/datasets (src/dataset/store.ts). A batch's offsets are committed only after its
// lines are on disk (append resolves after fsync), so nothing acknowledged is lost; a batch re-delivered after
// a crash appends copies that the reader drops by id. Invalid records are logged, sent to insitu.dlq and
// skipped, never retried; a failed write (disk full) fails the batch, which the bus retries.
import { configSecrets } from '../../src/secrets.js';
import { join } from 'node:path';
import { createPoisonGuard } from '../../src/bus/dead-letter/index.js';
import { createDatasetStore } from '../../src/dataset/store.js';
import type { Runtime } from '../../src/runtime.js';
import { TOPICS } from '../../src/topics.js';
import type { ConsumerDefinition, RunningConsumer } from '../index.js';
import { readBatch } from './core.js';

export const DATASET_STORE_GROUP = 'insitu.dataset-store';

export async function startDatasetStore(runtime: Runtime): Promise<RunningConsumer> {
  const log = runtime.logger.child('dataset-store');
  const store = createDatasetStore({ dataDir: runtime.config.dataDir });
  const totals = { written: 0, notAccepted: 0, skipped: 0 };
  const guard = createPoisonGuard({ bus: runtime.bus, group: DATASET_STORE_GROUP, maxAttempts: runtime.config.dlqMaxAttempts, logger: log, secrets: configSecrets(runtime.config) });
  const subscription = await runtime.bus.subscribe({
    group: DATASET_STORE_GROUP,
    topics: [TOPICS.preferences, TOPICS.examples],
    fromBeginning: true,
    handler: async (delivered) => {
      const { records, skipped } = readBatch(delivered);
      for (const s of skipped) {
        log.warn('skipping a record', { topic: s.topic, partition: s.partition, offset: s.offset, reason: s.reason, errors: s.errors });
        await guard.reject(s.record, s.kind, { name: s.kind === 'unparseable' ? 'SyntaxError' : 'ValidationError', message: [s.reason, ...s.errors].join(': ') });
      }
      const result = await store.append(records);
      for (const id of result.undated) log.warn('skipping a record whose created_at is not a timestamp', { id });
      totals.written += result.written;
      totals.notAccepted += result.notAccepted;
      totals.skipped += skipped.length + result.undated.length;
      log.debug('stored', { written: result.written, not_accepted: result.notAccepted, skipped: skipped.length, totals });
    },
    onError: (error, records) => log.warn('batch failed; retrying', { error, records: records.length }),
  });
  log.info('consuming', { from: [TOPICS.preferences, TOPICS.examples], to: join(runtime.config.dataDir, 'datasets') });
  return {
    async close() {
      await subscription.close();
      log.info('stopped', totals);
    },
  };
}

export const datasetStore: ConsumerDefinition = {
  name: 'dataset-store',
  description: 'keeps accepted pairs and examples under INSITU_DATA_DIR/datasets by tenant and day (insitu.preferences, insitu.examples -> files)',
  start: (runtime) => startDatasetStore(runtime),
};
