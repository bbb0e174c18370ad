// Conversation stitching. Chat APIs are stateless: every request carries the whole history, so the proxy
// recognises a continuation by its history.
//
// Rule, in order:
//  1. Header x-insitu-conversation-id names the conversation.
//  2. Otherwise, after each recorded turn the proxy stores hash(request messages + assistant answer) ->
//     conversation. A later request whose history before its newest user message has that hash (or, for tool
//     results, whose history up to its last assistant message has it) continues that conversation.
//  3. Otherwise (first message, a history the proxy never answered, or an edited history), a new conversation.
// turn_index is the turn's position in the conversation: 0 for the first, the continued turn's index + 1 for a
// derived one (two regenerations of the same turn share an index), a per-conversation counter with the header.
// Limits: an edited or regenerated history forks a new conversation; histories older than
// INSITU_CONVERSATION_TTL_S are forgotten; the canonical form ignores whitespace at content edges and
// content-part layout, so apps that re-serialise messages still match.
import { digest, newConversationId } from '../src/ids.js';
import { withTimeout } from '../src/timeout.js';
import type { Logger } from '../src/log.js';
import type { StateStore } from '../src/state/index.js';
import type { AssistantMessage, RecordedMessage, StitchMethod } from '../src/events/turn.js';

export interface Stitch {
  conversationId: string;
  turnIndex: number;
  method: StitchMethod;
  /** Set when the state store could not be asked, so the conversation may be a fork. */
  degraded?: boolean;
}

const CONVERSATION_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
export const isValidConversationId = (id: string) => CONVERSATION_ID.test(id);

function contentText(content: unknown): string {
  if (typeof content === 'string') return content.trim();
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && (part as { type?: unknown }).type === 'text' ? String((part as { text?: unknown }).text ?? '') : JSON.stringify(part)))
      .join('\n')
      .trim();
  }
  return content === null || content === undefined ? '' : JSON.stringify(content);
}

/** The parts of a message that identify it, as an app would echo it back. */
function canonical(message: RecordedMessage | AssistantMessage): unknown[] {
  const m = message as RecordedMessage;
  const calls = Array.isArray(m.tool_calls) ? m.tool_calls.map((t) => [t?.id ?? '', t?.function?.name ?? '', t?.function?.arguments ?? '']) : [];
  return [m.role, contentText(m.content), typeof m.name === 'string' ? m.name : '', calls, typeof m.tool_call_id === 'string' ? m.tool_call_id : ''];
}

export const historyHash = (messages: (RecordedMessage | AssistantMessage)[]): string => digest(JSON.stringify(messages.map(canonical)));

/** The prefixes a continuation may share with an earlier request + answer, most specific first. */
export function continuationCandidates(messages: RecordedMessage[]): (RecordedMessage[])[] {
  let lastUser = -1;
  let lastAssistant = -1;
  for (let i = messages.length - 1; i >= 0 && (lastUser < 0 || lastAssistant < 0); i--) {
    const role = messages[i]!.role;
    if (lastUser < 0 && role === 'user') lastUser = i;
    if (lastAssistant < 0 && role === 'assistant') lastAssistant = i;
  }
  if (lastAssistant < 0) return []; // no assistant message yet: a first turn
  const candidates: RecordedMessage[][] = [];
  if (lastUser > lastAssistant) candidates.push(messages.slice(0, lastUser));
  if (lastUser <= lastAssistant || lastUser - 1 !== lastAssistant) candidates.push(messages.slice(0, lastAssistant + 1));
  return candidates;
}

export interface StitcherOptions {
  state: StateStore;
  ttlSeconds: number;
  /** Longest the request path waits on the state store. */
  timeoutMs: number;
  logger: Logger;
}

export function createStitcher(options: StitcherOptions) {
  const ttlMs = options.ttlSeconds * 1000;
  const stitchKey = (tenant: string, hash: string) => `insitu:stitch:${tenant}:${hash}`;
  const counterKey = (tenant: string, conversationId: string) => `insitu:turns:${tenant}:${conversationId}`;

  const ask = <T>(promise: Promise<T>): Promise<T> => withTimeout(promise, options.timeoutMs, `state store did not answer within ${options.timeoutMs} ms`);

  async function nextIndex(tenant: string, conversationId: string): Promise<number> {
    return (await ask(options.state.incr(counterKey(tenant, conversationId), { ttlMs }))) - 1;
  }

  /** Decides the conversation of a request. Never throws: state failures start a new conversation. */
  async function resolve(tenant: string, messages: RecordedMessage[], explicitId: string | undefined): Promise<Stitch> {
    try {
      if (explicitId) return { conversationId: explicitId, turnIndex: await nextIndex(tenant, explicitId), method: 'header' };
      for (const prefix of continuationCandidates(messages)) {
        const found = await ask(options.state.get(stitchKey(tenant, historyHash(prefix))));
        const space = found ? found.indexOf(' ') : -1;
        if (found && space > 0) return { conversationId: found.slice(space + 1), turnIndex: Number(found.slice(0, space)) + 1, method: 'derived' };
      }
      // New conversations need no state write on the request path.
      return { conversationId: newConversationId(), turnIndex: 0, method: 'new' };
    } catch (error) {
      options.logger.warn('stitching degraded: state store unavailable', { error });
      return { conversationId: explicitId ?? newConversationId(), turnIndex: 0, method: explicitId ? 'header' : 'new', degraded: true };
    }
  }

  /**
   * After a turn: lets the next request of this conversation find it. The entry holds "<turn_index> <id>",
   * so a derived continuation needs one read and no counter. Never throws.
   */
  function remember(tenant: string, stitch: Stitch, messages: RecordedMessage[], answers: AssistantMessage[]): Promise<void> {
    const value = `${stitch.turnIndex} ${stitch.conversationId}`;
    const writes = answers.map((answer) => options.state.set(stitchKey(tenant, historyHash([...messages, answer])), value, { ttlMs }));
    return Promise.all(writes).then(
      () => undefined,
      (error) => options.logger.warn('could not store conversation continuation', { error }),
    );
  }

  return { resolve, remember };
}

export type Stitcher = ReturnType<typeof createStitcher>;
