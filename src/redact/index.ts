// PII redaction before any event leaves the proxy (turns, explicit feedback, ingested history). Placeholders:
// [EMAIL], [PHONE], [CARD], [IP], [SECRET] in text; keyed pseudonyms ([EMAIL:3f9a1c2b5d7e9f01]) in identity
// fields (the end user's id, message names), so that per-user grouping keeps working. Per-tenant policy from INSITU_REDACT_TENANTS overrides
// INSITU_REDACT_TYPES; INSITU_REDACT=false turns it off. Only copies are redacted: what goes to the model is
// never altered.
import type { TurnEvent } from '../events/turn.js';
import { addRedactionCounts } from './counts.js';
import { parseRedactionPolicy, typesFor, type RedactionConfig, type RedactionPolicy } from './policy.js';
import { loadPseudonymKey, pseudonym } from './pseudonym.js';
import { redactText, type RedactedText } from './text.js';
import { redactTurnEvent } from './turn.js';
import { PII_TYPES, zeroCounts, type PiiType, type RedactionCounts } from './types.js';

export { PII_TYPES, PLACEHOLDERS, type PiiType, type RedactionCounts } from './types.js';
export { parseRedactionPolicy, typesFor, type RedactionConfig, type RedactionPolicy } from './policy.js';
export { redactionCounts } from './counts.js';
export { loadPseudonymKey, PSEUDONYM_KEY_FILE } from './pseudonym.js';
export { redactText, type RedactedText } from './text.js';

export interface Redactor {
  /** `s` redacted under `tenant`'s policy, with what was replaced. */
  text(s: string, tenant: string): RedactedText;
  /** A redacted copy of the event under its tenant's policy (the same object when nothing applies). */
  turn(event: TurnEvent): TurnEvent;
  /** The end user's id as events carry it: a pseudonym when it holds personal data. Whatever looks a user up
   * by the id consumers see (the proxy's personalization) goes through this. */
  identity(user: string | null, tenant: string): string | null;
}

/** The redactor a component's configuration asks for, its pseudonym key configured or kept in the data dir. */
export function redactorFromConfig(config: { redact: RedactionConfig & { pseudonymKey: string | undefined }; dataDir: string }): Redactor {
  // Redaction off: no key file is created for nothing.
  const key = config.redact.enabled ? loadPseudonymKey(config.redact.pseudonymKey, config.dataDir) : undefined;
  return createRedactor(config.redact, key);
}

const isPolicy = (p: RedactionConfig | RedactionPolicy): p is RedactionPolicy => 'defaultTypes' in p;

/** Accepts `config.redact` as it is (validated here: ConfigError when invalid) or a parsed policy.
 * `pseudonymKey`: see loadPseudonymKey (default: a key for this process only). */
export function createRedactor(policyOrConfig: RedactionConfig | RedactionPolicy, pseudonymKey: Buffer = loadPseudonymKey(undefined, undefined)): Redactor {
  const policy = isPolicy(policyOrConfig) ? policyOrConfig : parseRedactionPolicy(policyOrConfig);
  /** `value` whole as a pseudonym of the first type found in it, or unchanged. */
  const identity = (value: string, tenant: string, types: ReadonlySet<PiiType>, counts: RedactionCounts = zeroCounts()): string => {
    const found = redactText(value, types).counts;
    const type = PII_TYPES.find((t) => found[t] > 0);
    if (!type) return value;
    counts[type]++;
    return pseudonym(type, value, tenant, pseudonymKey);
  };
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
      const copy = redactTurnEvent(event, (s) => redactText(s, types, counts).text, (s) => identity(s, event.tenant, types, counts));
      addRedactionCounts(counts);
      return copy;
    },
    identity: (user, tenant) => (user === null ? null : identity(user, tenant, typesFor(policy, tenant))),
  };
}
