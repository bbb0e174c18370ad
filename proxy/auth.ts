// INSITU_AUTH=keys: every /v1 request presents a virtual key (Authorization: Bearer isk_...). The gate looks the
// key up by its hash, applies the key's rate limits to upstream-bound routes, and then rewrites the request so
// the rest of the proxy needs no change: x-insitu-tenant becomes the key's tenant (a different tenant in that
// header is refused with 403) and the Authorization header is removed (the upstream gets INSITU_UPSTREAM_API_KEY).
// A key lookup that fails (state down) is refused with 503: an unverifiable caller never reaches the model.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeyStore } from '../src/auth/key-store.js';
import { bearerToken, effectiveLimits } from '../src/auth/keys.js';
import type { RateDecision, RateLimiter } from '../src/auth/rate-limit.js';
import type { Logger } from '../src/log.js';
import { withTimeout } from '../src/timeout.js';
import { errorBody, sendError } from './http-errors.js';

export interface AuthenticatedKey {
  id: string;
  tenant: string;
}

export interface AuthGate {
  /**
   * Checks the request's key (and, with rateLimited, counts it against the key's RPM/TPM). Resolves with the key
   * when the request may go on, after rewriting its headers; otherwise it has answered and resolves with null.
   */
  admit(req: IncomingMessage, res: ServerResponse, options: { rateLimited: boolean }): Promise<AuthenticatedKey | null>;
  /** Adds a finished response's tokens (reported, or estimated by the caller) to the key's TPM window. */
  countTokens(key: AuthenticatedKey, usage: { total_tokens: number } | null): void;
  /** Middleware for every /v1 route but chat completions (which calls admit itself). */
  middleware(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
}

export interface AuthGateDeps {
  keys: KeyStore;
  limiter: RateLimiter;
  defaults: { rpm: number; tpm: number };
  /** Longest wait on the state store for a key lookup before answering 503. */
  timeoutMs: number;
  logger: Logger;
}

const TENANT_HEADER = 'x-insitu-tenant';

const invalidKey = (res: ServerResponse, message: string) => sendError(res, 401, errorBody(message, 'invalid_request_error', 'invalid_api_key'), { 'www-authenticate': 'Bearer' });

/** OpenAI's own 429: type 'requests' or 'tokens', code rate_limit_exceeded, x-ratelimit-* headers, Retry-After. */
export function rateLimitResponse(decision: RateDecision & { allowed: false }, keyId: string): { body: ReturnType<typeof errorBody>; headers: Record<string, string> } {
  const { limits, tokens, retryAfterSeconds } = decision;
  const message =
    decision.exceeded === 'requests'
      ? `Rate limit reached for virtual key ${keyId} on requests per min (RPM): Limit ${limits.rpm}, Used ${limits.rpm}, Requested 1. Please try again in ${retryAfterSeconds}s.`
      : `Rate limit reached for virtual key ${keyId} on tokens per min (TPM): Limit ${limits.tpm}, Used ${tokens}. Please try again in ${retryAfterSeconds}s.`;
  return { body: errorBody(message, decision.exceeded, 'rate_limit_exceeded'), headers: { 'retry-after': String(retryAfterSeconds), ...rateLimitHeaders(decision) } };
}

export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  const reset = `${Math.max(1, Math.ceil(decision.resetMs / 1000))}s`;
  return {
    'x-ratelimit-limit-requests': String(decision.limits.rpm),
    'x-ratelimit-remaining-requests': String(Math.max(0, decision.limits.rpm - decision.requests)),
    'x-ratelimit-reset-requests': reset,
    'x-ratelimit-limit-tokens': String(decision.limits.tpm),
    'x-ratelimit-remaining-tokens': String(Math.max(0, decision.limits.tpm - decision.tokens)),
    'x-ratelimit-reset-tokens': reset,
  };
}

/**
 * Insitu's read routes (preference stream, dashboard data) filter by ?tenant=; a key only ever sees its own
 * tenant, whatever the query asked for.
 */
function scopeToTenant(req: IncomingMessage, tenant: string): void {
  const url = new URL(req.url ?? '/', 'http://insitu');
  url.searchParams.set('tenant', tenant);
  const scoped = url.pathname + url.search;
  req.url = scoped;
  const withOriginal = req as IncomingMessage & { originalUrl?: string };
  if (withOriginal.originalUrl !== undefined) withOriginal.originalUrl = scoped;
}

export function createAuthGate(deps: AuthGateDeps): AuthGate {
  const { keys, limiter, logger } = deps;

  async function admit(req: IncomingMessage, res: ServerResponse, options: { rateLimited: boolean }): Promise<AuthenticatedKey | null> {
    const token = bearerToken(req.headers.authorization);
    if (token === null) {
      invalidKey(res, "You didn't provide an API key. Send your Insitu virtual key in an Authorization header using Bearer auth (Authorization: Bearer isk_...).");
      return null;
    }
    let record;
    try {
      record = await withTimeout(keys.lookup(token), deps.timeoutMs);
    } catch (error) {
      logger.warn('key lookup failed: state store unavailable, refusing the request', { error: (error as Error).message });
      sendError(res, 503, errorBody('The proxy cannot verify API keys right now. Please retry shortly.', 'server_error', 'auth_unavailable'), { 'retry-after': '1' });
      return null;
    }
    // The presented key is never echoed: a mistyped real key would otherwise land in client logs.
    if (record === null) {
      invalidKey(res, 'Incorrect API key provided. Use a virtual key created with `insitu keys create`.');
      return null;
    }
    if (record.revoked_at !== null) {
      invalidKey(res, `The API key ${record.id} has been revoked.`);
      return null;
    }
    const asked = req.headers[TENANT_HEADER];
    const askedTenant = Array.isArray(asked) ? asked[0] : asked;
    if (askedTenant !== undefined && askedTenant !== record.tenant) {
      sendError(res, 403, errorBody(`This API key belongs to another tenant than the one named in ${TENANT_HEADER}; omit the header or send the key's own tenant.`, 'invalid_request_error', 'tenant_mismatch', TENANT_HEADER));
      return null;
    }
    const key = { id: record.id, tenant: record.tenant };
    if (options.rateLimited) {
      const decision = await limiter.admit(record.id, effectiveLimits(record, deps.defaults));
      if (!decision.allowed) {
        const refusal = rateLimitResponse(decision, record.id);
        sendError(res, 429, refusal.body, refusal.headers);
        return null;
      }
    }
    req.headers[TENANT_HEADER] = record.tenant;
    delete req.headers.authorization;
    return key;
  }

  return {
    admit,
    countTokens(key, usage) {
      if (usage && usage.total_tokens > 0) void limiter.addTokens(key.id, usage.total_tokens);
    },
    middleware(req, res, next) {
      const path = (req.url ?? '/').split('?')[0]!;
      if (!path.startsWith('/v1/')) return next();
      if (req.method === 'POST' && path === '/v1/chat/completions') return next(); // the chat handler admits itself
      // Insitu's own routes (feedback, streams, dashboard data) cost no upstream call: no rate limit.
      const own = path.startsWith('/v1/insitu/');
      admit(req, res, { rateLimited: !own }).then(
        (key) => {
          if (!key) return;
          if (own) scopeToTenant(req, key.tenant);
          next();
        },
        (error) => next(error),
      );
    },
  };
}
