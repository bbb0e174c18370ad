// Tenant names: what x-insitu-tenant, INSITU_DEFAULT_TENANT, virtual keys and per-tenant policies accept.
// One rule everywhere, so a tenant valid in one place is valid in all of them.
export const TENANT_RULE = '1-64 characters of A-Z a-z 0-9 . _ -';

const TENANT = /^[A-Za-z0-9._-]{1,64}$/;

export function isValidTenant(text: string): boolean {
  return TENANT.test(text);
}
