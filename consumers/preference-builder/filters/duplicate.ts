// Exact and near-duplicate suppression, per tenant, in the state store (Redis or memory), so every builder
// replica sees the same history:
//   <prefix>:<tenant>:x:<digest of normalised prompt and chosen>  -> id   (exact; SET NX)
//   <prefix>:<tenant>:<band>:<band digest>                        -> id   (near: MinHash LSH bands; SET NX)
//   <prefix>:<tenant>:sig:<id>                                    -> MinHash signature, to verify a shared band
// All expire after ttlMs. A key's value is the id that claimed it first; a candidate that finds its own id is
// being re-delivered and passes, so the check is idempotent.
//
// find() only reads; record() claims the keys. The pipeline records a candidate only once every other filter
// passed, so a dropped pair never shadows a later good one. Two near-duplicates recorded concurrently can both
// see the other's claim: the one with the larger id then drops (the exact key has a single owner anyway), so a
// race never drops both; at worst, when only one sees the other, both pass.
import type { FilterResult } from '../../../src/events/preference.js';
import type { StateStore } from '../../../src/state/types.js';
import { digest } from '../../../src/ids.js';
import type { FilterCandidate } from './candidate.js';
import { bandDigests, decodeSignature, encodeSignature, normaliseForDedup, shingles, signature, similarity, type Signature } from './minhash.js';

export interface DuplicateFilterOptions {
  state: StateStore;
  /** Estimated Jaccard similarity at or above which a candidate is a near-duplicate (INSITU_PAIR_DEDUP_JACCARD). */
  threshold: number;
  /** How long a recorded candidate keeps shadowing later duplicates. */
  ttlMs: number;
  /** Key namespace: pairs and examples use different ones so that an example never shadows a pair. */
  keyPrefix?: string;
}

export interface DuplicateFilter {
  /** Reads only: drop (detail = the earlier id) when an exact or near duplicate was recorded before. */
  find(candidate: FilterCandidate): Promise<FilterResult>;
  /** Claims the candidate's keys; drop when a concurrent duplicate claimed them first (its keys are then released). */
  record(candidate: FilterCandidate): Promise<FilterResult>;
  /** find, then record when it passed. */
  check(candidate: FilterCandidate): Promise<FilterResult>;
}

interface Fingerprint {
  exactKey: string;
  bandKeys: string[];
  sigKey: string;
  sig: Signature | null;
}

const PASS: FilterResult = { filter: 'duplicate', verdict: 'pass', detail: null };
const drop = (earlierId: string): FilterResult => ({ filter: 'duplicate', verdict: 'drop', detail: earlierId });

export function createDuplicateFilter(options: DuplicateFilterOptions): DuplicateFilter {
  const { state, threshold, ttlMs } = options;
  const prefix = options.keyPrefix ?? 'insitu:pb:dup';
  // Tenants and ids are URI-encoded so that a ':' in them cannot forge another key.
  const base = (tenant: string) => `${prefix}:${encodeURIComponent(tenant)}`;
  const sigKey = (tenant: string, id: string) => `${base(tenant)}:sig:${encodeURIComponent(id)}`;
  // find() and record() of one candidate share the work of hashing it.
  const fingerprints = new WeakMap<FilterCandidate, Fingerprint>();

  function fingerprint(c: FilterCandidate): Fingerprint {
    const known = fingerprints.get(c);
    if (known) return known;
    const exact = digest(JSON.stringify([c.prompt.map((m) => [m.role, normaliseForDedup(m.content)]), normaliseForDedup(c.chosen)]));
    // Shingles are tagged with their role so prompt text never matches response text.
    const sig = signature([...c.prompt.flatMap((m) => shingles(m.content, m.role)), ...shingles(c.chosen, 'chosen')]);
    const fp: Fingerprint = {
      exactKey: `${base(c.tenant)}:x:${exact}`,
      bandKeys: sig ? bandDigests(sig).map((d, band) => `${base(c.tenant)}:${band}:${d}`) : [],
      sigKey: sigKey(c.tenant, c.id),
      sig,
    };
    fingerprints.set(c, fp);
    return fp;
  }

  /** The owner whose stored signature is most similar to `sig`, if at or above the threshold. */
  async function nearest(tenant: string, owners: Iterable<string>, sig: Signature): Promise<string | null> {
    let best: { id: string; score: number } | null = null;
    for (const id of new Set(owners)) {
      const stored = await state.get(sigKey(tenant, id));
      const other = stored === null ? null : decodeSignature(stored);
      if (!other) continue; // expired or unreadable: nothing to verify against
      const score = similarity(sig, other);
      if (score >= threshold && (!best || score > best.score)) best = { id, score };
    }
    return best?.id ?? null;
  }

  async function find(c: FilterCandidate): Promise<FilterResult> {
    const fp = fingerprint(c);
    const exactOwner = await state.get(fp.exactKey);
    if (exactOwner === c.id) return PASS; // recorded before: a re-delivery
    if (exactOwner !== null) return drop(exactOwner);
    if (!fp.sig) return PASS;
    const owners = await Promise.all(fp.bandKeys.map((k) => state.get(k)));
    const match = await nearest(c.tenant, owners.filter((o): o is string => o !== null && o !== c.id), fp.sig);
    return match ? drop(match) : PASS;
  }

  async function record(c: FilterCandidate): Promise<FilterResult> {
    const fp = fingerprint(c);
    // The signature goes first so that a concurrent duplicate finding one of our bands can verify it.
    if (fp.sig) await state.set(fp.sigKey, encodeSignature(fp.sig), { ttlMs });
    const claimed: string[] = [];
    const release = async (earlierId: string) => {
      await Promise.all([...claimed, fp.sigKey].map((k) => state.del(k)));
      return drop(earlierId);
    };
    if (await state.set(fp.exactKey, c.id, { ttlMs, onlyIfAbsent: true })) claimed.push(fp.exactKey);
    else {
      const owner = await state.get(fp.exactKey);
      if (owner !== null && owner !== c.id) return release(owner);
    }
    if (!fp.sig) return PASS;
    const claims = await Promise.all(fp.bandKeys.map((k) => state.set(k, c.id, { ttlMs, onlyIfAbsent: true })));
    const contested: string[] = [];
    fp.bandKeys.forEach((k, i) => (claims[i] ? claimed : contested).push(k));
    const owners = await Promise.all(contested.map((k) => state.get(k)));
    // Only a smaller id wins a race, so two racers never both drop.
    const racers = owners.filter((o): o is string => o !== null && o !== c.id && o < c.id);
    const match = await nearest(c.tenant, racers, fp.sig);
    return match ? release(match) : PASS;
  }

  return {
    find,
    record,
    async check(c) {
      const found = await find(c);
      return found.verdict === 'drop' ? found : record(c);
    },
  };
}
