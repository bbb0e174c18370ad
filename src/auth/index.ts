// Virtual keys (INSITU_AUTH=keys): key format and hashing, the key store, per-key rate limits.
export * from './keys.js';
export * from './key-store.js';
export * from './rate-limit.js';
export * from './token-estimate.js';
