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
  /** Throws when the store is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
