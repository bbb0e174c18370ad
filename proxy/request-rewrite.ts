// The only two reasons the proxy changes what goes upstream: the served alias resolved to the promoted model,
// and (opt-in) a known user's remembered preferences prepended as a system message. Any other request is
// forwarded byte for byte. The recorded turn always keeps the app's own request.
import type { ChatRequest } from './chat-request.js';
import type { ModelRouter } from './model-router.js';
import type { Personalizer } from './personalizer.js';

export interface RewrittenRequest {
  raw: Buffer;
  /** Remembered preferences added (0: none). */
  added: number;
  /** The model sent upstream instead of the alias, or null. */
  routedTo: string | null;
}

export async function rewriteRequest(chat: ChatRequest, raw: Buffer, deps: { personalizer?: Personalizer; router?: ModelRouter }): Promise<RewrittenRequest> {
  const [routedTo, personal] = await Promise.all([
    deps.router ? deps.router.resolve(chat.body.model) : Promise.resolve(null),
    deps.personalizer ? deps.personalizer.preferenceMessage(chat.tenant, chat.user) : Promise.resolve(null),
  ]);
  if (routedTo === null && personal === null) return { raw, added: 0, routedTo: null };
  const body: Record<string, unknown> = { ...chat.body };
  if (routedTo !== null) body.model = routedTo;
  if (personal !== null) body.messages = [{ role: 'system', content: personal.text }, ...chat.body.messages];
  return { raw: Buffer.from(JSON.stringify(body)), added: personal?.count ?? 0, routedTo };
}
