// PII redaction before any event leaves the proxy (turns, explicit feedback, ingested history). Placeholders:
// [EMAIL], [PHONE], [CARD], [IP], [SECRET]. Per-tenant policy from INSITU_REDACT_TENANTS overrides
// INSITU_REDACT_TYPES; INSITU_REDACT=false turns it off. Only copies are redacted: what goes to the model is
// never altered.
import type { TurnEvent } from '../events/turn.js';
import { addRedactionCounts } from './counts.js';
import { parseRedactionPolicy, typesFor, type RedactionConfig, type RedactionPolicy } from './policy.js';
import { redactText, type RedactedText } from './text.js';
import { redactTurnEvent } from './turn.js';
import { zeroCounts } from './types.js';

export { PII_TYPES, PLACEHOLDERS, type PiiType, type RedactionCounts } from './types.js';
export { parseRedactionPolicy, typesFor, type RedactionConfig, type RedactionPolicy } from './policy.js';
export { redactionCounts } from './counts.js';
export { redactText, type RedactedText } from './text.js';

export interface Redactor {
  /** `s` redacted under `tenant`'s policy, with what was replaced. */
  text(s: string, tenant: string): RedactedText;
  /** A redacted copy of the event under its tenant's policy (the same object when nothing applies). */
  turn(event: TurnEvent): TurnEvent;
}

const isPolicy = (p: RedactionConfig | RedactionPolicy): p is RedactionPolicy => 'defaultTypes' in p;

/** Accepts `config.redact` as it is (validated here: ConfigError when invalid) or a parsed policy. */
export function createRedactor(policyOrConfig: RedactionConfig | RedactionPolicy): Redactor {
  const policy = isPolicy(policyOrConfig) ? policyOrConfig : parseRedactionPolicy(policyOrConfig);
  return {
    text(s, tenant) {
      const result = redactText(s, typesFor(policy, tenant));
      addRedactionCounts(result.counts);
      return result;
    },
    turn(event) {
      const types = typesFor(policy, event.tenant);
      if (types.size === 0) return event;
      const counts = zeroCounts();
      const copy = redactTurnEvent(event, (s) => redactText(s, types, counts).text);
      addRedactionCounts(counts);
      return copy;
    },
  };
}
