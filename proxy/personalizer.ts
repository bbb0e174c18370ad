// Opt-in personalization (INSITU_PERSONALIZE): before a known user's request goes upstream, their remembered
// preferences are prepended as a system message. The state read is bounded by INSITU_STATE_TIMEOUT_MS; if
// the store is slow or down the request goes out as the app sent it. The recorded turn keeps the app's own
// messages (training data should teach the model to adapt without the hint) and counts what was added.
import type { Logger } from '../src/log.js';
import { loadUserPreferences, personalizationMessage } from '../src/personalization/user-preferences.js';
import type { StateStore } from '../src/state/types.js';
import { withTimeout } from '../src/timeout.js';

export interface Personalizer {
  /** The body to forward and how many preferences it carries; the original when there is nothing to add. */
  personalize(tenant: string, user: string | null, body: Record<string, unknown> & { messages: unknown[] }, raw: Buffer): Promise<{ raw: Buffer; added: number }>;
}

export function createPersonalizer(params: { state: StateStore; timeoutMs: number; logger: Logger }): Personalizer {
  return {
    async personalize(tenant, user, body, raw) {
      if (user === null) return { raw, added: 0 };
      let preferences;
      try {
        preferences = await withTimeout(loadUserPreferences(params.state, tenant, user), params.timeoutMs, `no user preferences within ${params.timeoutMs} ms`);
      } catch (error) {
        params.logger.warn('user preferences unavailable; request sent unpersonalized', { error });
        return { raw, added: 0 };
      }
      if (preferences.length === 0) return { raw, added: 0 };
      const messages = [{ role: 'system', content: personalizationMessage(preferences) }, ...body.messages];
      return { raw: Buffer.from(JSON.stringify({ ...body, messages })), added: preferences.length };
    },
  };
}
