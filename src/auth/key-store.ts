// Virtual keys in the state store (Redis in production, so every proxy replica and the CLI share them):
//   <ns>hash:<sha256>  the KeyRecord (the proxy's one lookup per request: O(1) by hash)
//   <ns>id:<id>        the hash, so `keys revoke ID` finds the record without the key
//   <ns>index          JSON array of ids, for `keys list`
// The index and revocation are updated by compare-and-set, so concurrent CLIs do not lose each other's writes.
import { TENANT_RULE } from '../tenant.js';
import { StateError } from '../errors.js';
import type { StateStore } from '../state/types.js';
import { generateKey, generateKeyId, hashKey, isKeyFormat, isValidTenant, parseKeyRecord, type KeyRecord } from './keys.js';

export const DEFAULT_KEY_NAMESPACE = 'insitu:auth:';
const CAS_ATTEMPTS = 20;

export interface NewKey {
  tenant: string;
  name?: string | null;
  rpm?: number | null;
  tpm?: number | null;
}

export interface KeyStore {
  /** Creates a key; the returned `key` is the only time it exists in clear. */
  create(input: NewKey): Promise<{ key: string; record: KeyRecord }>;
  /** The record of a presented key (revoked ones included), or null when it is malformed or unknown. */
  lookup(key: string): Promise<KeyRecord | null>;
  /** Every key's record, oldest first. */
  list(): Promise<KeyRecord[]>;
  /** Marks the key revoked; null when no key has that id. Revoking twice keeps the first date. */
  revoke(id: string): Promise<KeyRecord | null>;
}

export class InvalidKeyInputError extends StateError {}

/** Read-modify-write of one value with compare-and-set, retried on contention. */
async function update(state: StateStore, key: string, change: (current: string | null) => string): Promise<void> {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const current = await state.get(key);
    const next = change(current);
    const written = current === null ? await state.set(key, next, { onlyIfAbsent: true }) : await state.setIfEquals(key, current, next);
    if (written) return;
  }
  throw new StateError(`could not update ${key}: too many concurrent writers`, { retriable: true });
}

export function createKeyStore(state: StateStore, options: { namespace?: string } = {}): KeyStore {
  const ns = options.namespace ?? DEFAULT_KEY_NAMESPACE;
  const hashSlot = (hash: string) => `${ns}hash:${hash}`;
  const idSlot = (id: string) => `${ns}id:${id}`;
  const indexSlot = `${ns}index`;
  const readIndex = (text: string | null): string[] => {
    if (text === null) return [];
    try {
      const ids = JSON.parse(text) as unknown;
      return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  };

  return {
    async create(input) {
      if (!isValidTenant(input.tenant)) throw new InvalidKeyInputError(`tenant must be ${TENANT_RULE}`);
      for (const [field, value] of [['rpm', input.rpm], ['tpm', input.tpm]] as const) {
        if (value !== undefined && value !== null && (!Number.isSafeInteger(value) || value < 1)) throw new InvalidKeyInputError(`${field} must be a positive integer`);
      }
      const key = generateKey();
      const hash = hashKey(key);
      const record: KeyRecord = {
        id: generateKeyId(),
        tenant: input.tenant,
        name: input.name ?? null,
        rpm: input.rpm ?? null,
        tpm: input.tpm ?? null,
        created_at: new Date().toISOString(),
        revoked_at: null,
      };
      // Record first, then the id, then the index: a crash in between leaves an unlisted key, never a listed
      // key that does not work.
      await state.set(hashSlot(hash), JSON.stringify(record));
      await state.set(idSlot(record.id), hash);
      await update(state, indexSlot, (current) => JSON.stringify([...readIndex(current), record.id]));
      return { key, record };
    },
    async lookup(key) {
      if (!isKeyFormat(key)) return null; // not one of ours: no state round trip
      const text = await state.get(hashSlot(hashKey(key)));
      return text === null ? null : parseKeyRecord(text);
    },
    async list() {
      const ids = readIndex(await state.get(indexSlot));
      const records = await Promise.all(
        ids.map(async (id) => {
          const hash = await state.get(idSlot(id));
          const text = hash === null ? null : await state.get(hashSlot(hash));
          return text === null ? null : parseKeyRecord(text);
        }),
      );
      return records.filter((r): r is KeyRecord => r !== null);
    },
    async revoke(id) {
      const hash = await state.get(idSlot(id));
      if (hash === null) return null;
      let revoked: KeyRecord | null = null;
      await update(state, hashSlot(hash), (current) => {
        const record = current === null ? null : parseKeyRecord(current);
        if (!record) throw new StateError(`key ${id} has no readable record`);
        revoked = { ...record, revoked_at: record.revoked_at ?? new Date().toISOString() };
        return JSON.stringify(revoked);
      });
      return revoked;
    },
  };
}
