// Redactions done by this process, by type, for metrics. In memory only: the events themselves carry no
// trace of what was removed (the TurnEvent schema has no field for it, by design).
import { PII_TYPES, zeroCounts, type RedactionCounts } from './types.js';

const totals = zeroCounts();

export function addRedactionCounts(counts: RedactionCounts): void {
  for (const type of PII_TYPES) totals[type] += counts[type];
}

/** Totals since the process started (a copy). */
export function redactionCounts(): RedactionCounts {
  return { ...totals };
}
