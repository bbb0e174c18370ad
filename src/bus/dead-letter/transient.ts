// Which failures say nothing about the record: the bus or the state store is down, a disk or socket failed.
// A consumer keeps retrying those (a Redis outage must not drain a topic into insitu.dlq); every other error
// counts against the record, and after INSITU_DLQ_MAX_ATTEMPTS it is dead-lettered.
import { BusError, InsituError, RecordRejectedError, StateError } from '../../errors.js';

/** Node system error codes of infrastructure that may come back. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'ENOSPC', 'EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN',
]);

export function isTransientFailure(error: unknown): boolean {
  if (error instanceof RecordRejectedError) return false; // the bus will never take it: about the record
  if (error instanceof StateError || error instanceof BusError) return true;
  if (error instanceof InsituError) return error.retriable;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}
