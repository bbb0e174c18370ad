// The state store: small keyed values with TTLs (conversation stitching now; detector history, locks,
// routes later). Two implementations share this interface and one contract test suite: Redis and memory.

export interface SetOptions {
  /** Expire after this many milliseconds. */
  ttlMs?: number;
  /** Only set when the key does not exist (SET NX); returns false when it did. */
  onlyIfAbsent?: boolean;
}

export interface StateStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  /** Returns false only when onlyIfAbsent was set and the key existed. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Atomically adds 1 and returns the new value; ttlMs (re)sets the expiry. */
  incr(key: string, options?: { ttlMs?: number }): Promise<number>;
  /**
   * Atomic compare-and-set: writes `value` only when the key currently holds exactly `expected` (a missing key
   * never matches); returns whether it wrote. ttlMs sets the new expiry (none: the key no longer expires).
   * Leases use it to renew only while they still own the key.
   */
  setIfEquals(key: string, expected: string, value: string, options?: { ttlMs?: number }): Promise<boolean>;
  /** Atomic compare-and-delete: removes the key only when it holds exactly `expected`; returns whether it did. */
  deleteIfEquals(key: string, expected: string): Promise<boolean>;
  /** Throws when the store is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
