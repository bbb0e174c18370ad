// Opt-in personalization (INSITU_PERSONALIZE): a known user's remembered preferences become a system message
// prepended to their request. The state read is bounded by INSITU_STATE_TIMEOUT_MS; if the store is slow or
// down the request goes out as the app sent it. The recorded turn keeps the app's own messages (training data
// should teach the model to adapt without the hint) and counts what was added.
import type { Logger } from '../src/log.js';
import { loadUserPreferences, personalizationMessage } from '../src/personalization/user-preferences.js';
import type { StateStore } from '../src/state/types.js';
import { withTimeout } from '../src/timeout.js';

export interface Personalizer {
  /** The system message for this user, or null when there is nothing to add. */
  preferenceMessage(tenant: string, user: string | null): Promise<{ text: string; count: number } | null>;
}

/** `identity`: the user id as events carry it (Redactor.identity). The preference builder stores preferences
 * under the id it reads from events, so the lookup must use the same (pseudonymised) id. */
export function createPersonalizer(params: { state: StateStore; timeoutMs: number; logger: Logger; identity?: (user: string | null, tenant: string) => string | null }): Personalizer {
  return {
    async preferenceMessage(tenant, clearUser) {
      const user = params.identity ? params.identity(clearUser, tenant) : clearUser;
      if (user === null) return null;
      try {
        const preferences = await withTimeout(loadUserPreferences(params.state, tenant, user), params.timeoutMs, `no user preferences within ${params.timeoutMs} ms`);
        return preferences.length === 0 ? null : { text: personalizationMessage(preferences), count: preferences.length };
      } catch (error) {
        params.logger.warn('user preferences unavailable; request sent unpersonalized', { error });
        return null;
      }
    },
  };
}
