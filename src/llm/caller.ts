// One model call done properly, for every internal use of an LLM (the feedback judge, the preference
// summariser): a concurrency limit, a timeout per attempt, retries with exponential backoff for transport
// failures (429, 5xx, timeouts) and for answers the reader cannot use, and counters for calls, retries,
// repairs, failures and tokens. A reader turns the answer text into a value or throws UnreadableAnswerError.
import { redactSecret } from '../secrets.js';
import type OpenAI from 'openai';
import { createOpenAiClient, isRetriable } from './client.js';
import { LlmCallError } from './errors.js';
import { createSemaphore } from './semaphore.js';

export interface LlmCallerOptions {
  baseURL: string;
  model: string;
  apiKey: string | undefined;
  timeoutMs: number;
  /** Further attempts after the first one fails retriably. */
  retries: number;
  /** Calls in flight at once. */
  concurrency: number;
  /** Base of the exponential backoff between attempts (default 250 ms). */
  backoffMs?: number;
}

export interface LlmStats {
  /** Attempts sent to the model. */
  calls: number;
  /** Calls that failed on every attempt. */
  failures: number;
  retries: number;
  /** Fields the readers had to fix or drop in otherwise usable answers. */
  repairs: number;
  promptTokens: number;
  completionTokens: number;
}

export interface LlmRequest {
  messages: OpenAI.ChatCompletionMessageParam[];
  temperature?: number;
  /** Another model on the same endpoint (default: the caller's model). */
  model?: string;
}

export interface LlmReading<T> {
  value: T;
  /** What the reader fixed on the way (counted in stats.repairs). */
  repairs?: readonly string[];
}

/** Answer text -> value; throws UnreadableAnswerError (retried) when the answer cannot be used. */
export type LlmReader<T> = (answer: string) => LlmReading<T>;

export interface LlmCaller {
  readonly model: string;
  /** One chat completion read by `read`; rejects with LlmCallError when every attempt failed. */
  complete<T>(request: LlmRequest, read: LlmReader<T>): Promise<T>;
  stats(): LlmStats;
}

export function createLlmCaller(options: LlmCallerOptions): LlmCaller {
  const client = createOpenAiClient(options);
  const limit = createSemaphore(options.concurrency);
  const stats: LlmStats = { calls: 0, failures: 0, retries: 0, repairs: 0, promptTokens: 0, completionTokens: 0 };
  const backoff = options.backoffMs ?? 250;

  async function attempt<T>(request: LlmRequest, read: LlmReader<T>): Promise<T> {
    stats.calls++;
    const completion = await client.chat.completions.create({ model: request.model ?? options.model, messages: request.messages, temperature: request.temperature ?? 0 });
    // Tokens are paid for whether or not the answer turns out readable.
    stats.promptTokens += completion.usage?.prompt_tokens ?? 0;
    stats.completionTokens += completion.usage?.completion_tokens ?? 0;
    const reading = read(completion.choices[0]?.message?.content ?? '');
    stats.repairs += reading.repairs?.length ?? 0;
    return reading.value;
  }

  return {
    model: options.model,
    stats: () => ({ ...stats }),
    // The slot is held across retries, so a struggling endpoint is not sent more than `concurrency` calls.
    complete: (request, read) =>
      limit(async () => {
        let last: unknown;
        let attempts = 0;
        for (let i = 0; i <= options.retries; i++) {
          if (i > 0) {
            stats.retries++;
            await new Promise((r) => setTimeout(r, backoff * 2 ** (i - 1)));
          }
          attempts++;
          try {
            return await attempt(request, read);
          } catch (error) {
            last = error;
            if (!isRetriable(error)) break;
          }
        }
        stats.failures++;
        const reason = last instanceof Error ? last.message : String(last);
        throw new LlmCallError(attempts, redactSecret(reason, options.apiKey), { cause: last });
      }),
  };
}
