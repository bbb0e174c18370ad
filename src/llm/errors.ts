// The errors of a model call. UnreadableAnswerError is retriable: the caller asks the model again; LlmCallError
// is what a caller gets when every attempt failed. Messages never carry the endpoint's API key.
import { InsituError } from '../errors.js';

/** The model answered, but not in a shape the reader accepts (no JSON, wrong fields). Retried. */
export class UnreadableAnswerError extends InsituError {
  constructor(message: string) {
    super(message, { retriable: true });
  }
}

/** Every attempt of one model call failed; `cause` is the last attempt's error. */
export class LlmCallError extends InsituError {
  constructor(
    /** Attempts made (1 + retries used). */
    readonly attempts: number,
    /** The last failure, with any secret redacted. */
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(`LLM call failed after ${attempts} attempt(s): ${reason}`, { retriable: false, ...options });
  }
}
