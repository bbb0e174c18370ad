// Where the dataset store keeps records:
//   <dataDir>/datasets/<pairs|sft|hindsight>/<tenant folder>/<YYYY-MM-DD>.jsonl
// The day is the record's created_at in UTC, so a re-delivered copy of a record lands in the very file that
// holds the first one. Tenant names come from events (any string), so they are encoded into folder names that
// can never leave the kind's folder and never collide (see tenantFolder).
import { join } from 'node:path';
import type { TrainingExample } from '../events/example.js';
import type { PreferencePair } from '../events/preference.js';
import { digest } from '../ids.js';
import { DatasetError } from './errors.js';

export const DATASET_KINDS = ['pairs', 'sft', 'hindsight'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

export type DatasetRecord = PreferencePair | TrainingExample;
export type RecordOf<K extends DatasetKind> = K extends 'pairs' ? PreferencePair : TrainingExample;

export function kindOf(record: DatasetRecord): DatasetKind {
  return record.schema === 'insitu.preference' ? 'pairs' : record.kind;
}

/** The record's idempotency key: pair_id or example_id (deterministic upstream, so copies share it). */
export function recordId(record: DatasetRecord): string {
  return record.schema === 'insitu.preference' ? record.pair_id : record.example_id;
}

export function kindFolder(dataDir: string, kind: DatasetKind): string {
  return join(dataDir, 'datasets', kind);
}

// Kept as they are: lower-case letters, digits, '_', '-', and '.' except in first place (so '.', '..' and hidden
// names cannot occur). Everything else, upper-case letters included, becomes %XX per UTF-8 byte: '/' and '\'
// cannot survive, '%' itself is escaped (so decoding is exact), and names differing only in case stay apart on
// case-insensitive file systems. Names longer than MAX_FOLDER, and strings with lone surrogates (which UTF-8
// cannot carry), fall back to '~' + a 128-bit digest of the JSON text ('~' is never produced by the escaping,
// so the two forms cannot meet).
const KEPT = /^[a-z0-9_-]$/;
const MAX_FOLDER = 200;
const LONE_SURROGATE = /\p{Cs}/u;

/** The folder name of a tenant: path-safe, collision-free, reversible unless hashed (see tenantOfFolder). */
export function tenantFolder(tenant: string): string {
  if (tenant.length === 0) throw new DatasetError('a record has an empty tenant');
  const hashed = () => `~${digest(JSON.stringify(tenant))}`;
  if (LONE_SURROGATE.test(tenant)) return hashed();
  let out = '';
  for (const byte of Buffer.from(tenant, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += KEPT.test(char) || (char === '.' && out !== '') ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out.length <= MAX_FOLDER ? out : hashed();
}

/** The tenant a folder name stands for; null for a hashed name or a name tenantFolder would not produce. */
export function tenantOfFolder(folder: string): string | null {
  if (folder.startsWith('~')) return null;
  let tenant: string;
  try {
    tenant = decodeURIComponent(folder);
  } catch {
    return null;
  }
  return tenant.length > 0 && tenantFolder(tenant) === folder ? tenant : null;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** YYYY-MM-DD when `text` is a real calendar day in that form, else null. */
export function parseDay(text: string): string | null {
  const m = DAY.exec(text);
  if (!m) return null;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === text ? text : null;
}

/** The UTC day of a timestamp, or null when it does not parse. */
export function dayOf(createdAt: string): string | null {
  const time = Date.parse(createdAt);
  if (!Number.isFinite(time)) return null;
  return parseDay(new Date(time).toISOString().slice(0, 10));
}

export const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;

export function partitionFile(dataDir: string, kind: DatasetKind, tenant: string, day: string): string {
  return join(kindFolder(dataDir, kind), tenantFolder(tenant), `${day}.jsonl`);
}
