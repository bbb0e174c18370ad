// Per-key rate limits in fixed 60-second windows (aligned to the minute) kept in the state store, so every
// proxy replica counts against the same budget. Requests: INCR + PEXPIRE per request. Tokens: added after each
// response from the usage the upstream reported, or an estimate when it reported none (token-estimate.ts;
// compare-and-set), and a request is refused while the window is
// already at or over the key's TPM, as OpenAI does.
// The state store failing must not take the API down: limits then fail open (logged once per outage).
import type { Logger } from '../log.js';
import type { StateStore } from '../state/types.js';
import { withTimeout } from '../timeout.js';
import { DEFAULT_KEY_NAMESPACE } from './key-store.js';

export const WINDOW_MS = 60_000;
/** Counters outlive their window a little, so a late token update still lands in the right one. */
const COUNTER_TTL_MS = 2 * WINDOW_MS;
const CAS_ATTEMPTS = 10;

export interface Limits {
  rpm: number;
  tpm: number;
}

export interface RateCounters {
  limits: Limits;
  /** Requests counted in this window, this one included. */
  requests: number;
  /** Tokens counted in this window before this request. */
  tokens: number;
  /** Milliseconds until the window ends and the counters start over. */
  resetMs: number;
}

export type RateDecision =
  | ({ allowed: true } & RateCounters)
  | ({ allowed: false; exceeded: 'requests' | 'tokens'; retryAfterSeconds: number } & RateCounters);

export function windowAt(nowMs: number): { index: number; resetMs: number } {
  const index = Math.floor(nowMs / WINDOW_MS);
  return { index, resetMs: (index + 1) * WINDOW_MS - nowMs };
}

/** Pure: whether a request passes, given the window's counters. Tokens are checked first (they were spent). */
export function decide(counters: RateCounters): RateDecision {
  const retryAfterSeconds = Math.max(1, Math.ceil(counters.resetMs / 1000));
  if (counters.tokens >= counters.limits.tpm) return { allowed: false, exceeded: 'tokens', retryAfterSeconds, ...counters };
  if (counters.requests > counters.limits.rpm) return { allowed: false, exceeded: 'requests', retryAfterSeconds, ...counters };
  return { allowed: true, ...counters };
}

export interface RateLimiter {
  /** Counts one request for the key and decides; when the state store fails, allows (fail open). */
  admit(keyId: string, limits: Limits): Promise<RateDecision>;
  /** Adds the tokens a response used to the key's current window; failures are logged, never thrown. */
  addTokens(keyId: string, tokens: number): Promise<void>;
}

export function createRateLimiter(options: { state: StateStore; timeoutMs: number; logger: Logger; namespace?: string; now?: () => number }): RateLimiter {
  const { state, logger } = options;
  const ns = options.namespace ?? DEFAULT_KEY_NAMESPACE;
  const now = options.now ?? Date.now;
  const requestSlot = (keyId: string, index: number) => `${ns}rl:${keyId}:requests:${index}`;
  const tokenSlot = (keyId: string, index: number) => `${ns}rl:${keyId}:tokens:${index}`;
  let failing = false;
  const failed = (error: unknown) => {
    if (!failing) logger.warn('rate limits suspended: state store unavailable (requests are let through)', { error: (error as Error).message });
    failing = true;
  };
  const recovered = () => {
    if (failing) logger.info('rate limits enforced again: state store reachable');
    failing = false;
  };

  return {
    async admit(keyId, limits) {
      const { index, resetMs } = windowAt(now());
      try {
        const [requests, tokensText] = await withTimeout(
          Promise.all([state.incr(requestSlot(keyId, index), { ttlMs: COUNTER_TTL_MS }), state.get(tokenSlot(keyId, index))]),
          options.timeoutMs,
        );
        recovered();
        return decide({ limits, requests, tokens: Number(tokensText ?? 0) || 0, resetMs });
      } catch (error) {
        failed(error);
        return { allowed: true, limits, requests: 0, tokens: 0, resetMs };
      }
    },
    async addTokens(keyId, tokens) {
      if (!(tokens > 0)) return;
      const slot = tokenSlot(keyId, windowAt(now()).index);
      try {
        for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
          const current = await withTimeout(state.get(slot), options.timeoutMs);
          const next = String((Number(current ?? 0) || 0) + tokens);
          const written = current === null
            ? await withTimeout(state.set(slot, next, { onlyIfAbsent: true, ttlMs: COUNTER_TTL_MS }), options.timeoutMs)
            : await withTimeout(state.setIfEquals(slot, current, next, { ttlMs: COUNTER_TTL_MS }), options.timeoutMs);
          if (written) return recovered();
        }
        logger.warn('token usage not counted: too many concurrent updates', { key_id: keyId, tokens });
      } catch (error) {
        failed(error);
      }
    },
  };
}
