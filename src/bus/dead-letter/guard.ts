// The poison guard a consumer puts around each record of a batch. A record that cannot be read (not JSON,
// invalid against its schema) is dead-lettered at once. A record whose processing throws is retried with its
// batch (the error is rethrown, so the bus retries the batch and commits nothing); on its
// INSITU_DLQ_MAX_ATTEMPTS-th failure it is dead-lettered instead and run() returns false, so the batch goes on
// and commits. Transient failures (bus or state down: transient.ts) are rethrown without counting: a good
// record is never given up because Redis was away.
//
// Attempts are counted in memory per (topic, partition, offset) for this group: a batch re-delivered after a
// crash or a rebalance starts again at 1, so a record may be tried up to twice the limit in that case. That
// is accepted: the alternative is a state write per failure, on the very path where state may be failing.
import { configSecrets } from '../../secrets.js';
import type { Logger } from '../../log.js';
import { RecordRejectedError } from '../../errors.js';
import { buildDeadLetter, describeDeadError, type DeadLetter, type DeadLetterReason, type DeadRecord } from '../../events/dead-letter.js';
import type { ValidationResult } from '../../events/validate.js';
import { TOPICS } from '../../topics.js';
import type { Bus, OutgoingRecord } from '../types.js';
import { isTransientFailure } from './transient.js';

/** Records remembered per guard (failure counts, and records already dead-lettered); the oldest are forgotten. */
const MAX_REMEMBERED = 10_000;

export interface PoisonGuardOptions {
  bus: Pick<Bus, 'publish'>;
  /** The consumer group: named in each dead letter and part of its id. */
  group: string;
  /** config.dlqMaxAttempts (INSITU_DLQ_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** The consumer's logger. */
  logger: Logger;
  /** Values never to appear in a dead letter's error message (configSecrets(config)). */
  secrets?: readonly string[];
  /** Default isTransientFailure. */
  isTransient?: (error: unknown) => boolean;
}

export interface PoisonGuardStats {
  deadLettered: number;
  /** Processing failures counted against records (transient ones excluded). */
  failures: number;
}

export interface PoisonGuard {
  /** Parses and validates a record; undefined (after logging and dead-lettering it) when it is unusable. */
  read<T>(record: DeadRecord, validate: (value: unknown) => ValidationResult<T>, what: string): Promise<T | undefined>;
  /** Dead-letters a record that cannot be read, at once. */
  reject(record: DeadRecord, reason: Exclude<DeadLetterReason, 'failed'>, error: { name: string; message: string }): Promise<void>;
  /**
   * Runs the record's processing. True: it completed. False: the record is dead-lettered (now, or on an earlier
   * delivery of the batch) and the caller must keep none of its effects. Throws (the batch is retried) on a
   * transient failure, and on a failure below the limit.
   */
  run(record: DeadRecord, fn: () => Promise<void>): Promise<boolean>;
  stats(): PoisonGuardStats;
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  if (map.size >= MAX_REMEMBERED) map.delete(map.keys().next().value!);
  map.set(key, value);
}

export function deadLetterRecord(letter: DeadLetter): OutgoingRecord {
  return {
    topic: TOPICS.dlq,
    key: letter.original.key,
    value: JSON.stringify(letter),
    headers: { 'insitu-schema': letter.schema, 'insitu-version': String(letter.version), 'insitu-event-id': letter.dead_letter_id },
  };
}

export function createPoisonGuard(options: PoisonGuardOptions): PoisonGuard {
  const { bus, group, logger } = options;
  const maxAttempts = Math.max(1, options.maxAttempts);
  const secrets = options.secrets ?? [];
  const isTransient = options.isTransient ?? isTransientFailure;
  const failures = new Map<string, number>();
  const dead = new Map<string, string>(); // record -> dead_letter_id, so a retried batch does not publish it again
  const stats: PoisonGuardStats = { deadLettered: 0, failures: 0 };
  const idOf = (r: DeadRecord) => `${r.topic}/${r.partition}@${r.offset}`;

  async function deadLetter(record: DeadRecord, reason: DeadLetterReason, error: { name: string; message: string }, attempts: number): Promise<void> {
    const id = idOf(record);
    if (dead.has(id)) return;
    let letter = buildDeadLetter({ group, record, reason, error, attempts });
    try {
      await bus.publish([deadLetterRecord(letter)]);
    } catch (publishError) {
      if (!(publishError instanceof RecordRejectedError)) throw publishError;
      // Still too large for the bus (huge headers or key): keep the facts, drop the value.
      letter = buildDeadLetter({ group, record, reason, error, attempts, maxValueBytes: 0 });
      await bus.publish([deadLetterRecord(letter)]);
    }
    remember(dead, id, letter.dead_letter_id);
    stats.deadLettered++;
    logger.warn('record sent to the dead-letter topic', {
      dead_letter_id: letter.dead_letter_id, dlq: TOPICS.dlq, topic: record.topic, partition: record.partition, offset: record.offset, reason, attempts, error: error.message,
    });
  }

  return {
    async read(record, validate, what) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(record.value);
      } catch (error) {
        logger.warn('skipping a record that is not JSON', { topic: record.topic, partition: record.partition, offset: record.offset });
        await deadLetter(record, 'unparseable', describeDeadError(error, secrets), 1);
        return undefined;
      }
      const valid = validate(parsed);
      if (!valid.ok) {
        logger.warn(`skipping an invalid ${what}`, { offset: record.offset, errors: valid.errors.slice(0, 3) });
        await deadLetter(record, 'invalid', { name: 'ValidationError', message: `not a valid ${what}: ${valid.errors.slice(0, 10).join('; ')}` }, 1);
        return undefined;
      }
      return valid.value;
    },
    reject: (record, reason, error) => deadLetter(record, reason, { name: error.name, message: describeDeadError(error.message, secrets).message }, 1),
    async run(record, fn) {
      const id = idOf(record);
      if (dead.has(id)) return false;
      try {
        await fn();
      } catch (error) {
        if (isTransient(error)) throw error;
        stats.failures++;
        const attempts = (failures.get(id) ?? 0) + 1;
        remember(failures, id, attempts);
        if (attempts < maxAttempts) {
          logger.warn('record failed; retrying it with its batch', { topic: record.topic, partition: record.partition, offset: record.offset, attempts, max_attempts: maxAttempts });
          throw error;
        }
        await deadLetter(record, 'failed', describeDeadError(error, secrets), attempts);
        failures.delete(id);
        return false;
      }
      failures.delete(id);
      return true;
    },
    stats: () => ({ ...stats }),
  };
}
