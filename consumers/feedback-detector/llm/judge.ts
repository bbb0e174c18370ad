// The LLM judge: the A.1 method through the official openai SDK against any OpenAI-compatible endpoint.
// Bounded concurrency, a timeout per call, retries with exponential backoff for transport failures (429,
// 5xx, timeouts) and for answers that cannot be read; token usage and repairs are counted. When every attempt
// fails, detect() rejects with DetectionError: the caller records it and moves on.
import OpenAI from 'openai';
import { InsituError } from '../../../src/errors.js';
import type { Detection, DetectionInput, Detector } from '../detector.js';
import { JudgeAnswerError, readJudgeAnswer } from './answer.js';
import { judgeMessages } from './prompt.js';

export class DetectionError extends InsituError {}

export interface LlmDetectorOptions {
  baseURL: string;
  model: string;
  apiKey: string | undefined;
  timeoutMs: number;
  retries: number;
  concurrency: number;
  /** Base of the exponential backoff between attempts. */
  backoffMs?: number;
}

export interface JudgeStats {
  calls: number;
  failures: number;
  retries: number;
  repairs: number;
  promptTokens: number;
  completionTokens: number;
}

function semaphore(limit: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

const retriable = (error: unknown) =>
  error instanceof JudgeAnswerError ||
  error instanceof OpenAI.APIConnectionError ||
  (error instanceof OpenAI.APIError && (error.status === 429 || error.status === 408 || (error.status ?? 0) >= 500));

export function createLlmDetector(options: LlmDetectorOptions): Detector & { stats(): JudgeStats } {
  const client = new OpenAI({ baseURL: options.baseURL, apiKey: options.apiKey ?? 'unused', timeout: options.timeoutMs, maxRetries: 0 });
  const limit = semaphore(options.concurrency);
  const stats: JudgeStats = { calls: 0, failures: 0, retries: 0, repairs: 0, promptTokens: 0, completionTokens: 0 };
  const backoff = options.backoffMs ?? 250;

  async function attempt(input: DetectionInput): Promise<Detection> {
    stats.calls++;
    const completion = await client.chat.completions.create({ model: options.model, messages: judgeMessages(input), temperature: 0 });
    stats.promptTokens += completion.usage?.prompt_tokens ?? 0;
    stats.completionTokens += completion.usage?.completion_tokens ?? 0;
    const { detection, repairs } = readJudgeAnswer(completion.choices[0]?.message?.content ?? '', input.followUp);
    stats.repairs += repairs.length;
    return detection;
  }

  return {
    name: 'llm',
    stats: () => ({ ...stats }),
    detect: (input) =>
      limit(async () => {
        let last: unknown;
        for (let i = 0; i <= options.retries; i++) {
          if (i > 0) {
            stats.retries++;
            await new Promise((r) => setTimeout(r, backoff * 2 ** (i - 1)));
          }
          try {
            return await attempt(input);
          } catch (error) {
            last = error;
            if (!retriable(error)) break;
          }
        }
        stats.failures++;
        // The message names the failure, never the endpoint's credentials.
        throw new DetectionError(`LLM judge failed after ${options.retries + 1} attempt(s): ${(last as Error)?.message ?? String(last)}`, { cause: last });
      }),
  };
}
