// DeadLetter: a record a consumer could not handle, published to insitu.dlq keyed by the original key (so a
// replay keeps per-conversation order). It carries the original record whole (value cut at ~900 KB, flagged),
// why it was given up ('unparseable': not JSON; 'invalid': against its schema; 'failed': processing threw
// INSITU_DLQ_MAX_ATTEMPTS times) and the last error, redacted. `insitu dlq replay` re-publishes the original.
import type { DeliveredRecord } from '../bus/types.js';
import { redactSecret } from '../secrets.js';
import { digest } from '../ids.js';

export const DEAD_LETTER_VERSION = 1 as const;

export const DEAD_LETTER_REASONS = ['unparseable', 'invalid', 'failed'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** The largest original value kept, in bytes of its JSON-escaped form (the whole record stays under 1 MB). */
export const MAX_DEAD_VALUE_BYTES = 900_000;
const MAX_ERROR_CHARS = 2000;

export interface DeadLetterOriginal {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  headers: Record<string, string>;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** The record's value as delivered, cut when it was too large (value_truncated). */
  value: string;
  value_truncated: boolean;
  /** Size of the whole original value in UTF-8 bytes. */
  value_bytes: number;
}

export interface DeadLetter {
  schema: 'insitu.dead-letter';
  version: typeof DEAD_LETTER_VERSION;
  /** Deterministic from group, topic, partition, offset and the record's timestamp (deadLetterId). */
  dead_letter_id: string;
  /** The consumer group that gave the record up. */
  group: string;
  /** The original event's tenant, when its value is a JSON object naming one (null otherwise: unparseable). */
  tenant?: string | null;
  original: DeadLetterOriginal;
  reason: DeadLetterReason;
  /** The last error: name and message, secrets redacted, bounded. */
  error: { name: string; message: string };
  /** Times the record was tried (1 for unparseable and invalid records). */
  attempts: number;
  created_at: string;
}

const ORIGINAL_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['topic', 'partition', 'offset', 'key', 'headers', 'timestamp', 'value', 'value_truncated', 'value_bytes'],
  properties: {
    topic: { type: 'string', minLength: 1 },
    partition: { type: 'integer', minimum: 0 },
    offset: { type: 'string', minLength: 1 },
    key: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    timestamp: { type: 'integer', minimum: 0, description: 'Milliseconds since the epoch.' },
    value: { type: 'string' },
    value_truncated: { type: 'boolean' },
    value_bytes: { type: 'integer', minimum: 0 },
  },
} as const;

export const DEAD_LETTER_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://insitu.dev/schemas/dead-letter.schema.json',
  title: 'DeadLetter',
  description: 'A record a consumer gave up on (not JSON, invalid, or processing failed INSITU_DLQ_MAX_ATTEMPTS times); published to insitu.dlq keyed by the original key.',
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'version', 'dead_letter_id', 'group', 'original', 'reason', 'error', 'attempts', 'created_at'],
  properties: {
    schema: { const: 'insitu.dead-letter' },
    version: { const: DEAD_LETTER_VERSION },
    dead_letter_id: { type: 'string', pattern: '^dl_[A-Za-z0-9_-]{22}$' },
    group: { type: 'string', minLength: 1 },
    tenant: { type: ['string', 'null'], description: "The original event's tenant when its value is a JSON object naming one; null otherwise. Absent in dead letters written before it was added." },
    original: ORIGINAL_SCHEMA,
    reason: { enum: [...DEAD_LETTER_REASONS] },
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'message'],
      properties: { name: { type: 'string' }, message: { type: 'string' } },
    },
    attempts: { type: 'integer', minimum: 1 },
    created_at: { type: 'string' },
  },
} as const;

/**
 * Deterministic from where the record sits and when it was written: the same record given up twice keeps its
 * id, and a topic recreated with offsets from 0 again does not reuse the ids (nor the replay markers) of the old one.
 */
export function deadLetterId(group: string, topic: string, partition: number, offset: string, timestamp: number): string {
  return `dl_${digest(`${group}>${topic}>${partition}>${offset}>${Math.floor(timestamp) || 0}`)}`;
}

/** The record a dead letter keeps: the delivered record as the consumer got it. */
export type DeadRecord = DeliveredRecord;

const escapedBytes = (text: string) => Buffer.byteLength(JSON.stringify(text));

/** The value cut so that its JSON-escaped form fits `limit` bytes (never splitting a surrogate pair). */
export function boundValue(value: string, limit = MAX_DEAD_VALUE_BYTES): { value: string; truncated: boolean } {
  if (escapedBytes(value) <= limit) return { value, truncated: false };
  if (limit <= 2) return { value: '', truncated: true };
  let n = Math.min(value.length, limit);
  for (let size = escapedBytes(value.slice(0, n)); size > limit; size = escapedBytes(value.slice(0, n))) {
    n = Math.max(0, Math.min(n - 1, Math.floor((n * limit) / size)));
  }
  const code = value.charCodeAt(n - 1);
  if (n > 0 && code >= 0xd800 && code <= 0xdbff) n--;
  return { value: value.slice(0, n), truncated: true };
}

/** An error as a dead letter may carry it: never a secret from `secrets`, and bounded. */
export function describeDeadError(error: unknown, secrets: readonly string[] = []): { name: string; message: string } {
  const name = error instanceof Error ? error.name : 'Error';
  let message = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) message = redactSecret(message, secret);
  if (message.length > MAX_ERROR_CHARS) message = `${message.slice(0, MAX_ERROR_CHARS)}...`;
  return { name, message };
}

export interface DeadLetterInput {
  group: string;
  record: DeadRecord;
  reason: DeadLetterReason;
  error: { name: string; message: string };
  attempts: number;
  now?: Date;
  /** Default MAX_DEAD_VALUE_BYTES; 0 keeps none of the value (a fallback when the bus refused the record). */
  maxValueBytes?: number;
}

/** The tenant an event names, so an operator can tell whose record was given up; null when there is none. */
function tenantOf(value: string): string | null {
  try {
    const parsed: unknown = JSON.parse(value);
    const tenant = parsed !== null && typeof parsed === 'object' ? (parsed as { tenant?: unknown }).tenant : undefined;
    return typeof tenant === 'string' && tenant !== '' ? tenant.slice(0, 200) : null;
  } catch {
    return null;
  }
}

export function buildDeadLetter(input: DeadLetterInput): DeadLetter {
  const r = input.record;
  const bounded = boundValue(r.value, input.maxValueBytes ?? MAX_DEAD_VALUE_BYTES);
  return {
    schema: 'insitu.dead-letter',
    version: DEAD_LETTER_VERSION,
    dead_letter_id: deadLetterId(input.group, r.topic, r.partition, r.offset, r.timestamp),
    group: input.group,
    tenant: tenantOf(r.value),
    original: {
      topic: r.topic, partition: r.partition, offset: r.offset, key: r.key, headers: { ...r.headers }, timestamp: Math.max(0, Math.floor(r.timestamp) || 0),
      value: bounded.value, value_truncated: bounded.truncated, value_bytes: Buffer.byteLength(r.value),
    },
    reason: input.reason,
    error: input.error,
    attempts: Math.max(1, input.attempts),
    created_at: (input.now ?? new Date()).toISOString(),
  };
}
