// Runtime validation of events against their JSON Schemas (used at consumer boundaries and in tests).
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { FEEDBACK_EVENT_SCHEMA, type FeedbackEvent } from './feedback.js';
import { TURN_EVENT_SCHEMA, type TurnEvent } from './turn.js';
import { PREFERENCE_PAIR_SCHEMA, type PreferencePair } from './preference.js';
import { TRAINING_EXAMPLE_SCHEMA, type TrainingExample } from './example.js';
import { TRAINING_EVENT_SCHEMA, type TrainingEvent } from './training.js';
import { DEAD_LETTER_SCHEMA, type DeadLetter } from './dead-letter.js';

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });

export interface SchemaEntry {
  title: string;
  file: string;
  schema: object;
}

/** Every event schema Insitu publishes; `insitu schemas --write` writes each to schemas/<file>. */
export const EVENT_SCHEMAS: SchemaEntry[] = [
  { title: 'TurnEvent', file: 'turn-event.schema.json', schema: TURN_EVENT_SCHEMA },
  { title: 'FeedbackEvent', file: 'feedback-event.schema.json', schema: FEEDBACK_EVENT_SCHEMA },
  { title: 'PreferencePair', file: 'preference-pair.schema.json', schema: PREFERENCE_PAIR_SCHEMA },
  { title: 'TrainingExample', file: 'training-example.schema.json', schema: TRAINING_EXAMPLE_SCHEMA },
  { title: 'TrainingEvent', file: 'training-event.schema.json', schema: TRAINING_EVENT_SCHEMA },
  { title: 'DeadLetter', file: 'dead-letter.schema.json', schema: DEAD_LETTER_SCHEMA },
];

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

function validator<T>(schema: object): (value: unknown) => ValidationResult<T> {
  let compiled: ValidateFunction | undefined;
  return (value) => {
    compiled ??= ajv.compile(schema);
    if (compiled(value)) return { ok: true, value: value as T };
    return { ok: false, errors: (compiled.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`) };
  };
}

export const validateTurnEvent = validator<TurnEvent>(TURN_EVENT_SCHEMA);
export const validateFeedbackEvent = validator<FeedbackEvent>(FEEDBACK_EVENT_SCHEMA);
export const validatePreferencePair = validator<PreferencePair>(PREFERENCE_PAIR_SCHEMA);
export const validateTrainingExample = validator<TrainingExample>(TRAINING_EXAMPLE_SCHEMA);
export const validateTrainingEvent = validator<TrainingEvent>(TRAINING_EVENT_SCHEMA);
export const validateDeadLetter = validator<DeadLetter>(DEAD_LETTER_SCHEMA);
