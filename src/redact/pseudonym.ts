// Identity fields (the request's `user`, a message's `name`) are keys, not prose: consumers group by them
// (per-user personalization, train/test splits by user). When one holds personal data (an email as user id)
// it becomes a keyed pseudonym, `[EMAIL:<16 hex>]` = HMAC-SHA256(key, tenant NUL value): the same user maps
// to the same pseudonym, which cannot be reversed or recomputed without the key. 64 bits, so two users of a
// tenant collide (and would share personalization) only past ~4 billion users. Ids without personal data
// (`u_123`) stay as they are.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PiiType } from './types.js';

/** Under INSITU_DATA_DIR: the key generated when INSITU_REDACT_PSEUDONYM_KEY is unset. */
export const PSEUDONYM_KEY_FILE = 'redact-pseudonym.key';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';
const isTaken = (error: unknown) => (error as NodeJS.ErrnoException).code === 'EEXIST';

/** The configured key; else the one kept in `dataDir` (created once, 0600, by whichever process comes first);
 * else (no data dir: tests, one-off tools) a key for this process only. */
export function loadPseudonymKey(configured: string | undefined, dataDir: string | undefined): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  if (!dataDir) return randomBytes(32);
  const file = join(dataDir, PSEUDONYM_KEY_FILE);
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if (!isTaken(error)) throw error; // another process created it first: use theirs
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

export function pseudonym(type: PiiType, value: string, tenant: string, key: Buffer): string {
  const digest = createHmac('sha256', key).update(tenant).update('\0').update(value).digest('hex');
  return `[${type.toUpperCase()}:${digest.slice(0, 16)}]`;
}
