// One class tree for Insitu's errors. Callers branch on the class (and `retriable`), never on message text.

export class InsituError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** A configuration value is missing or invalid; start-up stops with this one line. */
export class ConfigError extends InsituError {
  constructor(readonly variable: string, detail: string) {
    super(`${variable}: ${detail}`);
  }
}

/** The bus could not accept or deliver records (broker down, timeout). Usually retriable. */
export class BusError extends InsituError {}

/** A record the bus will never accept (too large, invalid topic): retrying cannot help. */
export class RecordRejectedError extends BusError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: false, ...options });
  }
}

/** The state store (Redis or memory) failed or timed out. */
export class StateError extends InsituError {}

/** A file-based store (spool, embedded bus) is held by another live process. */
export class DataDirLockedError extends InsituError {}

/** A request the proxy refuses; rendered as an OpenAI-style error with this status. */
export class RequestError extends InsituError {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** A fine-tuning backend refused or failed a call (upload, create, poll, run). `retriable` for transient ones. */
export class TrainingBackendError extends InsituError {}
