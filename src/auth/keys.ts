// Virtual keys: what a key looks like, how it is hashed, and the record kept for it. Pure: no I/O.
// The key itself is shown once, at creation; only its SHA-256 is stored, so a state dump reveals no key.
import { createHash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'isk_';
/** isk_ + 32 random bytes in base64url (43 characters, no padding). */
const KEY_FORMAT = /^isk_[A-Za-z0-9_-]{43}$/;

export interface KeyLimits {
  /** Requests per minute; null: the proxy's default (INSITU_KEY_RPM). */
  rpm: number | null;
  /** Tokens per minute; null: the proxy's default (INSITU_KEY_TPM). */
  tpm: number | null;
}

/** What is stored per key (under its hash). Never holds the key. */
export interface KeyRecord extends KeyLimits {
  id: string;
  tenant: string;
  name: string | null;
  created_at: string;
  revoked_at: string | null;
}

export function generateKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** A fresh, non-secret id to name a key in `keys list` and `keys revoke`. */
export function generateKeyId(): string {
  return 'key_' + randomBytes(8).toString('hex');
}

export function isKeyFormat(text: string): boolean {
  return KEY_FORMAT.test(text);
}

export { isValidTenant } from '../tenant.js';

/** SHA-256 (hex) of the key: the key's only stored form and its lookup index. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The bearer token of an Authorization header, or null when there is none. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return m ? m[1]! : null;
}

/** The limits that apply to a key: its own, else the defaults. */
export function effectiveLimits(record: KeyLimits, defaults: { rpm: number; tpm: number }): { rpm: number; tpm: number } {
  return { rpm: record.rpm ?? defaults.rpm, tpm: record.tpm ?? defaults.tpm };
}

export function parseKeyRecord(text: string): KeyRecord | null {
  try {
    const r = JSON.parse(text) as Partial<KeyRecord>;
    if (typeof r.id !== 'string' || typeof r.tenant !== 'string' || typeof r.created_at !== 'string') return null;
    return {
      id: r.id,
      tenant: r.tenant,
      name: typeof r.name === 'string' ? r.name : null,
      rpm: typeof r.rpm === 'number' ? r.rpm : null,
      tpm: typeof r.tpm === 'number' ? r.tpm : null,
      created_at: r.created_at,
      revoked_at: typeof r.revoked_at === 'string' ? r.revoked_at : null,
    };
  } catch {
    return null;
  }
}
