// Per-user preference memory (opt-in, INSITU_PERSONALIZE): the preference builder appends the summarised
// preferences of each user's accepted pairs (never ones the spurious-preference filter dropped); the proxy prepends them as a system message to that user's later requests, so the
// model adapts before any retraining. Bounded (oldest dropped first), deduplicated, expiring.
// Concurrent appends for one user from two replicas may lose one of the two writes (last writer wins); a
// preference the user keeps voicing comes back with their next feedback.
import type { StateStore } from '../state/types.js';

export interface RememberedPreference {
  text: string;
  at: string;
}

const key = (tenant: string, user: string) => `insitu:prefs:${tenant}:${user}`;
const normal = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').replace(/[.!。]+$/u, '').trim();

export async function loadUserPreferences(state: StateStore, tenant: string, user: string): Promise<RememberedPreference[]> {
  const raw = await state.get(key(tenant, user));
  if (raw === null) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? parsed.filter((p): p is RememberedPreference => !!p && typeof (p as RememberedPreference).text === 'string') : [];
  } catch {
    return [];
  }
}

/** Adds preferences (newest last), dropping repeats of ones already kept and the oldest beyond `max`. */
export function mergePreferences(kept: RememberedPreference[], added: string[], max: number, now: Date): RememberedPreference[] {
  const fresh = added.map((text) => text.trim()).filter((text) => text !== '');
  const addedKeys = new Set(fresh.map(normal));
  const merged = [...kept.filter((p) => !addedKeys.has(normal(p.text))), ...[...new Map(fresh.map((t) => [normal(t), t])).values()].map((text) => ({ text, at: now.toISOString() }))];
  return merged.slice(Math.max(0, merged.length - max));
}

export async function rememberUserPreferences(state: StateStore, tenant: string, user: string, added: string[], options: { max: number; ttlMs: number; now?: Date }): Promise<void> {
  if (added.length === 0) return;
  const merged = mergePreferences(await loadUserPreferences(state, tenant, user), added, options.max, options.now ?? new Date());
  await state.set(key(tenant, user), JSON.stringify(merged), { ttlMs: options.ttlMs });
}

/** The system message the proxy prepends. */
export function personalizationMessage(preferences: RememberedPreference[]): string {
  return [
    'This user has stated these preferences in earlier conversations. Follow them where they apply, unless the user asks otherwise; the response should be safe.',
    ...preferences.map((p) => `- ${p.text}`),
  ].join('\n');
}
