// The one place an OpenAI SDK client for an internal model call (judge, summariser) is made, and the one place
// that decides which of its failures are worth another attempt.
import OpenAI from 'openai';
import { InsituError } from '../errors.js';

export interface OpenAiClientOptions {
  baseURL: string;
  apiKey: string | undefined;
  /** Timeout of one request (the SDK's own retries are off: the caller retries). */
  timeoutMs: number;
}

export function createOpenAiClient(options: OpenAiClientOptions): OpenAI {
  // An explicit placeholder key: without one the SDK would read OPENAI_API_KEY from the environment.
  return new OpenAI({ baseURL: options.baseURL, apiKey: options.apiKey ?? 'unused', timeout: options.timeoutMs, maxRetries: 0 });
}

/** Transport failures that may pass (connection, timeout, 408, 429, 5xx) and our own retriable errors. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof InsituError) return error.retriable;
  if (error instanceof OpenAI.APIConnectionError) return true;
  return error instanceof OpenAI.APIError && (error.status === 429 || error.status === 408 || (error.status ?? 0) >= 500);
}

