// Metrics that hang off the bus rather than being woven through each consumer: a wrapped Bus counts what
// each consumer group handles (records, failed batches, how far behind it is) and what this process
// publishes on the pipeline topics (feedback by polarity and rubric, pairs accepted or dropped by which
// filter, training jobs by state). A process exposes what it did; `insitu up` exposes the whole pipeline.
import type { Bus, SubscribeOptions } from '../bus/types.js';
import type { FeedbackEvent } from '../events/feedback.js';
import type { PreferencePair } from '../events/preference.js';
import type { TrainingEvent } from '../events/training.js';
import { TOPICS } from '../topics.js';
import { LATENCY_BUCKETS, type Metrics } from './metrics.js';

/** Training jobs remembered for the by-state gauge (the newest win). */
const MAX_JOBS = 1000;

export function instrumentBus(bus: Bus, metrics: Metrics): Bus {
  const consumed = metrics.counter('insitu_consumer_records_total', 'Records handed to a consumer group, by group and topic.');
  const failed = metrics.counter('insitu_consumer_failed_batches_total', 'Batches whose handler threw (the bus retries them), by group.');
  const batchSeconds = metrics.histogram('insitu_consumer_batch_duration_seconds', 'Time a consumer group took to handle one batch.', LATENCY_BUCKETS);
  const lag = new Map<string, { group: string; topic: string; seconds: number }>();
  const lastBatchAt = new Map<string, number>();
  metrics.gauge('insitu_consumer_lag_seconds', 'How far behind each consumer group was on each topic at its last batch of live records: now minus the newest record timestamp of that batch (backfilled records, which keep their historical time, do not count).', () =>
    [...lag.values()].map(({ group, topic, seconds }) => ({ labels: { group, topic }, value: seconds })),
  );
  // With the lag above, this tells a caught-up idle group (old batch, small lag) from a stuck one (old batch, large lag).
  metrics.gauge('insitu_consumer_last_batch_age_seconds', 'Seconds since each consumer group last handled a batch.', () =>
    [...lastBatchAt].map(([group, at]) => ({ labels: { group }, value: Math.max(0, (Date.now() - at) / 1000) })),
  );
  const feedback = metrics.counter('insitu_feedback_total', 'FeedbackEvents published, by polarity and detector.');
  const rubrics = metrics.counter('insitu_feedback_rubrics_total', 'SAT and DSAT rubric labels in published FeedbackEvents, by kind and rubric.');
  const pairs = metrics.counter('insitu_pairs_total', 'PreferencePairs published, by mode and whether every filter passed.');
  const dropped = metrics.counter('insitu_pairs_filtered_total', 'Pairs a filter dropped, by filter.');
  const deadLetters = metrics.counter('insitu_dead_letters_total', 'Records a consumer gave up on (insitu.dlq), by consumer group and reason.');
  const jobs = new Map<string, string>();
  metrics.gauge('insitu_training_jobs', 'Training jobs this process published or consumed events of since it started, by their latest state (the evaluator consumes insitu.training: it sees every job).', () => {
    const counts = new Map<string, number>();
    for (const status of jobs.values()) counts.set(status, (counts.get(status) ?? 0) + 1);
    return [...counts].map(([state, value]) => ({ labels: { state }, value }));
  });

  const observeTraining = (value: string) => {
    const t = JSON.parse(value) as TrainingEvent;
    if (typeof t.job_id !== 'string' || typeof t.status !== 'string') return;
    jobs.delete(t.job_id);
    jobs.set(t.job_id, t.status);
    if (jobs.size > MAX_JOBS) jobs.delete(jobs.keys().next().value!);
  };
  const observePublished = (topic: string, value: string) => {
    try {
      if (topic === TOPICS.feedback) {
        const e = JSON.parse(value) as FeedbackEvent;
        feedback.inc({ polarity: e.polarity, detector: e.detector });
        for (const r of e.satisfaction) rubrics.inc({ kind: 'sat', rubric: r });
        for (const r of e.dissatisfaction) rubrics.inc({ kind: 'dsat', rubric: r });
      } else if (topic === TOPICS.preferences) {
        const p = JSON.parse(value) as PreferencePair;
        pairs.inc({ mode: p.mode, accepted: String(p.accepted) });
        for (const f of p.filters) if (f.verdict === 'drop') dropped.inc({ filter: f.filter });
      } else if (topic === TOPICS.dlq) {
        const d = JSON.parse(value) as { group?: string; reason?: string };
        deadLetters.inc({ group: String(d.group ?? 'unknown'), reason: String(d.reason ?? 'unknown') });
      } else if (topic === TOPICS.training) {
        observeTraining(value);
      }
    } catch {
      // Not ours to judge: the consumers validate what they read.
    }
  };
  const watched = new Set<string>([TOPICS.feedback, TOPICS.preferences, TOPICS.training, TOPICS.dlq]);

  return {
    get kind() {
      return bus.kind;
    },
    ensureTopics: (topics) => bus.ensureTopics(topics),
    async publish(records) {
      await bus.publish(records);
      for (const r of records) if (watched.has(r.topic)) observePublished(r.topic, r.value);
    },
    subscribe(options: SubscribeOptions) {
      // Taps and test readers use throwaway group names: counting them would only add series.
      if (options.ephemeral) return bus.subscribe(options);
      const group = options.group;
      return bus.subscribe({
        ...options,
        handler: async (records) => {
          const started = performance.now();
          lastBatchAt.set(group, Date.now());
          const newest = records.reduce((max, r) => (r.headers['insitu-ingested'] ? max : Math.max(max, r.timestamp)), 0);
          const topic = records[0]?.topic;
          if (newest > 0 && topic) lag.set(`${group}\n${topic}`, { group, topic, seconds: Math.max(0, (Date.now() - newest) / 1000) });
          for (const r of records) {
            if (r.topic !== TOPICS.training) continue;
            try {
              observeTraining(r.value);
            } catch {
              // the consumer reports unreadable records itself
            }
          }
          try {
            await options.handler(records);
          } catch (error) {
            failed.inc({ group });
            throw error;
          }
          for (const r of records) consumed.inc({ group, topic: r.topic });
          batchSeconds.observe({ group }, (performance.now() - started) / 1000);
        },
      });
    },
    endOffsets: (topic) => bus.endOffsets(topic),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}
