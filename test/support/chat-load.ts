// A steady stream of chats through the proxy with the official openai SDK, for fault tests: one new request
// every `intervalMs` (not waiting for earlier ones), recording the x-insitu-turn-id of every answered request.
import OpenAI from 'openai';

export interface ChatLoad {
  /** Turn ids of completed requests, in completion order. */
  turnIds: string[];
  /** Errors of requests that failed (message). */
  failures: string[];
  /** Requests started. */
  readonly started: number;
  /** Pauses starting new requests and resolves once none is in flight. */
  pause(): Promise<void>;
  resume(): void;
  /** Stops starting requests and resolves once every started one settled. */
  stop(): Promise<void>;
}

export function startChatLoad(baseURL: string, options: { intervalMs?: number; label?: string; stream?: boolean } = {}): ChatLoad {
  const client = new OpenAI({ baseURL, apiKey: 'load-key', maxRetries: 0, timeout: 20_000 });
  const turnIds: string[] = [];
  const failures: string[] = [];
  const inflight = new Set<Promise<void>>();
  let started = 0;
  let paused = false;
  const one = async (n: number) => {
    try {
      const { response } = await client.chat.completions
        .create({ model: 'load', messages: [{ role: 'user', content: `${options.label ?? 'load'} ${n}` }] })
        .withResponse();
      const id = response.headers.get('x-insitu-turn-id');
      if (id) turnIds.push(id);
      else failures.push(`request ${n}: no x-insitu-turn-id`);
    } catch (error) {
      failures.push(`request ${n}: ${(error as Error).message}`);
    }
  };
  const timer = setInterval(() => {
    if (paused) return;
    const p = one(++started).finally(() => inflight.delete(p));
    inflight.add(p);
  }, options.intervalMs ?? 50);
  const settled = async () => {
    while (inflight.size) await Promise.all([...inflight]);
  };
  return {
    turnIds,
    failures,
    get started() {
      return started;
    },
    async pause() {
      paused = true;
      await settled();
    },
    resume: () => void (paused = false),
    async stop() {
      clearInterval(timer);
      await settled();
    },
  };
}
