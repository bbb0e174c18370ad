// Query parameters of the dashboard's data endpoints, checked up front: a bad one is a 400 in the OpenAI error
// shape, never a silently clamped value.
import { RequestError } from '../../src/errors.js';
import type { PairQuery } from './store.js';

export const MAX_BACKFILL = 500;
export const DEFAULT_BACKFILL = 200;
export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 10;

function integer(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new RequestError(400, `${name} must be an integer from ${min} to ${max}.`, 'invalid_request_error', `invalid_${name}`, name);
  }
  return Number(raw);
}

function tenant(params: URLSearchParams): string | null {
  const value = params.get('tenant');
  if (value === null) return null;
  if (value === '' || value.length > 200) throw new RequestError(400, 'tenant must be 1 to 200 characters.', 'invalid_request_error', 'invalid_tenant', 'tenant');
  return value;
}

export interface StreamQuery {
  backfill: number;
  tenant: string | null;
}

export function readStreamQuery(params: URLSearchParams): StreamQuery {
  return { backfill: integer(params, 'backfill', DEFAULT_BACKFILL, 0, MAX_BACKFILL), tenant: tenant(params) };
}

export function readPairQuery(params: URLSearchParams): PairQuery {
  const include = params.get('include');
  if (include !== null && include !== 'all' && include !== 'accepted') {
    throw new RequestError(400, "include must be 'all' or 'accepted'.", 'invalid_request_error', 'invalid_include', 'include');
  }
  return {
    offset: integer(params, 'offset', 0, 0, 1_000_000),
    limit: integer(params, 'limit', DEFAULT_PAGE, 1, MAX_PAGE),
    tenant: tenant(params),
    includeDropped: include === 'all',
  };
}
