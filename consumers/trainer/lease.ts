// The trainer's leader lease: one key in the state store holding the owner's id with a TTL (SET NX PX on
// Redis). Only the holder ticks the scheduler and drives jobs; it renews every ttl/3 while it still owns the
// key (compare-and-set), so a replica that stalls past the TTL loses the lease to another and stops.
import type { StateStore } from '../../src/state/types.js';

export interface Lease {
  readonly key: string;
  readonly owner: string;
  /** Takes the lease when free (or already ours, then refreshed); true when held afterwards. */
  acquire(): Promise<boolean>;
  /** Refreshes the TTL while we still own it; false when the lease was lost. */
  renew(): Promise<boolean>;
  /** Gives it up (only if still ours). */
  release(): Promise<void>;
  /** The current holder, or null. */
  holder(): Promise<string | null>;
}

export function createLease(options: { state: StateStore; key: string; ttlMs: number; owner: string }): Lease {
  const { state, key, ttlMs, owner } = options;
  const renew = () => state.setIfEquals(key, owner, owner, { ttlMs });
  return {
    key,
    owner,
    async acquire() {
      if (await state.set(key, owner, { onlyIfAbsent: true, ttlMs })) return true;
      return renew();
    },
    renew,
    async release() {
      await state.deleteIfEquals(key, owner);
    },
    holder: () => state.get(key),
  };
}

/** How often a holder renews: a third of the TTL, so two renewals can fail before it lapses. */
export const renewEveryMs = (ttlMs: number) => Math.max(1, Math.floor(ttlMs / 3));
