// Reads the live preference stream (server-sent events) over real HTTP, as a browser's EventSource would.
import assert from 'node:assert/strict';
import type { PreferencePair } from '../../src/events/preference.js';

export interface StreamRead {
  events: { id: string; data: PreferencePair }[];
  /** The last id the server sent, with an event or alone (as EventSource keeps it for Last-Event-ID). */
  lastId(): string | null;
  /** Resolves once the server says its subscription is live. */
  subscribed: Promise<void>;
  /** Resolves once `count` events arrived, the stream ended or the timeout passed. */
  finished: Promise<void>;
}

/** Reads SSE events from the live preference stream until `count` arrived (or the timeout). */
export async function readStream(url: string, count: number, headers: Record<string, string> = {}, timeoutMs = 20_000): Promise<StreamRead> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = response.body!.getReader();
  const events: StreamRead['events'] = [];
  let lastId: string | null = null;
  let markSubscribed!: () => void;
  const subscribed = new Promise<void>((resolve) => (markSubscribed = resolve));
  const finished = (async () => {
    let buffer = '';
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      while (events.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += Buffer.from(value).toString('utf8');
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          if (block.startsWith(': subscribed')) markSubscribed();
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id !== undefined) lastId = id;
          if (id && data) events.push({ id, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted at the timeout: what arrived is in events
    } finally {
      clearTimeout(timer);
      markSubscribed();
      controller.abort();
    }
  })();
  return { events, lastId: () => lastId, subscribed, finished };
}

