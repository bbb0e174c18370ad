// The dataset store step's pure part: a delivered batch -> the records to store and the ones to skip (not JSON,
// invalid against their topic's schema, or undatable). accepted=false records pass through: the store counts
// and skips them.
import type { DeliveredRecord } from '../../src/bus/types.js';
import { dayOf, type DatasetRecord } from '../../src/dataset/layout.js';
import { validatePreferencePair, validateTrainingExample } from '../../src/events/validate.js';
import { TOPICS } from '../../src/topics.js';

export interface SkippedRecord {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  errors: string[];
  /** How the dead letter names it: not JSON, or JSON that is not a valid record of its topic. */
  kind: 'unparseable' | 'invalid';
  /** The record itself (the runner dead-letters it). */
  record: DeliveredRecord;
}

const VALIDATORS: Record<string, (value: unknown) => { ok: true; value: DatasetRecord } | { ok: false; errors: string[] }> = {
  [TOPICS.preferences]: validatePreferencePair,
  [TOPICS.examples]: validateTrainingExample,
};

export function readBatch(delivered: readonly DeliveredRecord[]): { records: DatasetRecord[]; skipped: SkippedRecord[] } {
  const records: DatasetRecord[] = [];
  const skipped: SkippedRecord[] = [];
  for (const r of delivered) {
    const skip = (reason: string, errors: string[] = [], kind: SkippedRecord['kind'] = 'invalid') => skipped.push({ topic: r.topic, partition: r.partition, offset: r.offset, reason, errors, kind, record: r });
    const validate = VALIDATORS[r.topic];
    if (!validate) {
      skip('unexpected topic');
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.value);
    } catch {
      skip('not JSON', [], 'unparseable');
      continue;
    }
    const valid = validate(parsed);
    if (!valid.ok) skip('invalid against its schema', valid.errors.slice(0, 3));
    else if (!dayOf(valid.value.created_at)) skip('created_at is not a timestamp');
    else records.push(valid.value);
  }
  return { records, skipped };
}
