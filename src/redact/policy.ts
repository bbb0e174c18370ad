// The redaction policy from configuration: INSITU_REDACT (on/off), INSITU_REDACT_TYPES (the default types)
// and INSITU_REDACT_TENANTS (per-tenant overrides, `acme=email,card;lab=none`). Invalid strings stop start-up
// with a ConfigError naming the variable and the offending part.
import { isValidTenant, TENANT_RULE } from '../tenant.js';
import { ConfigError } from '../errors.js';
import { PII_TYPES, type PiiType } from './types.js';

export interface RedactionConfig {
  enabled: boolean;
  types: string;
  tenants: string | undefined;
}

export interface RedactionPolicy {
  enabled: boolean;
  /** Types redacted for tenants without an override. */
  defaultTypes: ReadonlySet<PiiType>;
  /** Per-tenant types; an empty set (`none`) redacts nothing for that tenant. */
  tenants: ReadonlyMap<string, ReadonlySet<PiiType>>;
}

const EXPECTED = `a comma-separated list of ${PII_TYPES.join(', ')} (or all, or none)`;

function parseTypes(raw: string, variable: string, where: string): Set<PiiType> {
  const names = raw.split(',').map((s) => s.trim().toLowerCase());
  if (names.length === 1 && names[0] === '') throw new ConfigError(variable, `${where}is empty: expected ${EXPECTED}`);
  if (names.length === 1 && names[0] === 'none') return new Set();
  if (names.length === 1 && names[0] === 'all') return new Set(PII_TYPES);
  const types = new Set<PiiType>();
  for (const name of names) {
    if (name === '') throw new ConfigError(variable, `${where}has an empty entry in '${raw}': expected ${EXPECTED}`);
    if (name === 'none' || name === 'all') throw new ConfigError(variable, `${where}'${name}' cannot be combined with other types in '${raw}'`);
    if (!(PII_TYPES as readonly string[]).includes(name)) throw new ConfigError(variable, `${where}unknown type '${name}': expected ${EXPECTED}`);
    types.add(name as PiiType);
  }
  return types;
}

export function parseRedactionPolicy(config: RedactionConfig): RedactionPolicy {
  const defaultTypes = parseTypes(config.types, 'INSITU_REDACT_TYPES', '');
  const tenants = new Map<string, Set<PiiType>>();
  for (const entry of (config.tenants ?? '').split(';')) {
    if (entry.trim() === '') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) throw new ConfigError('INSITU_REDACT_TENANTS', `'${entry.trim()}' has no '=': expected tenant=types;tenant=types, e.g. acme=email,card;lab=none`);
    const tenant = entry.slice(0, eq).trim();
    if (!isValidTenant(tenant)) throw new ConfigError('INSITU_REDACT_TENANTS', `'${tenant}' is not a tenant name: use ${TENANT_RULE}`);
    if (tenants.has(tenant)) throw new ConfigError('INSITU_REDACT_TENANTS', `tenant '${tenant}' is listed twice`);
    tenants.set(tenant, parseTypes(entry.slice(eq + 1), 'INSITU_REDACT_TENANTS', `tenant '${tenant}': `));
  }
  return { enabled: config.enabled, defaultTypes, tenants };
}

/** The types redacted for a tenant: none when redaction is off. */
export function typesFor(policy: RedactionPolicy, tenant: string): ReadonlySet<PiiType> {
  if (!policy.enabled) return new Set();
  return policy.tenants.get(tenant) ?? policy.defaultTypes;
}
