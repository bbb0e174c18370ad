// Internal LLM calls (the judge, the preference summariser): one caller with limits, retries and counters.
export { createLlmCaller } from './caller.js';
export type { LlmCaller, LlmCallerOptions, LlmReader, LlmReading, LlmRequest, LlmStats } from './caller.js';
export { createOpenAiClient, isRetriable } from './client.js';
export type { OpenAiClientOptions } from './client.js';
export { LlmCallError, UnreadableAnswerError } from './errors.js';
export { extractJsonObject, readFirstJson } from './json.js';
export { createSemaphore } from './semaphore.js';
export type { Limiter } from './semaphore.js';
