// Dead letters: the poison guard consumers put around records, and reading/replaying insitu.dlq.
export { createPoisonGuard, deadLetterRecord, type PoisonGuard, type PoisonGuardOptions, type PoisonGuardStats } from './guard.js';
export { isTransientFailure } from './transient.js';
export { readDeadLetters, replayDeadLetters, replayedAt, replayRecord, REPLAYED_FROM_HEADER, type ReadDeadLettersOptions, type ReplayOptions, type ReplayOutcome } from './replay.js';
