// Insitu's hindsight JSONL, from hindsight examples: every response the user answered, with that answer, for
// revising a response in hindsight ("Aligning Language Models from User Interactions"). One example per line:
//   {"example_id": "hs_...", "context": [{"role", "content"}...], "response": "<assistant text>",
//    "follow_up": "<the user's next message>", "labels": {"state", "polarity", "satisfaction", "dissatisfaction"},
//    "model": "<model that wrote the response>" | null}
// context is the conversation up to and including the user query that `response` answered; labels are the
// feedback detector's judgement of follow_up (rubric names as in src/feedback/rubrics.ts).
import type { TrainingExample } from '../../events/example.js';
import { CONVERSATION_STATES, DSAT_RUBRICS, POLARITIES, SAT_RUBRICS } from '../../feedback/rubrics.js';
import { checkChatMessages, checkKeys, checkText, isObject } from './check.js';
import { plainMessages, type ExportFormat } from './format.js';
import type { TrlMessage } from './trl.js';

export interface HindsightLine {
  example_id: string;
  context: TrlMessage[];
  response: string;
  follow_up: string;
  labels: TrainingExample['labels'];
  model: string | null;
}

function checkLabels(labels: unknown): string[] {
  const problems = checkKeys(labels, 'labels', ['state', 'polarity', 'satisfaction', 'dissatisfaction']);
  if (!isObject(labels)) return problems;
  if (!(CONVERSATION_STATES as readonly unknown[]).includes(labels.state)) problems.push(`labels.state: expected one of ${CONVERSATION_STATES.join(', ')}`);
  if (!(POLARITIES as readonly unknown[]).includes(labels.polarity)) problems.push(`labels.polarity: expected one of ${POLARITIES.join(', ')}`);
  for (const [key, known] of [['satisfaction', SAT_RUBRICS], ['dissatisfaction', DSAT_RUBRICS]] as const) {
    const list = labels[key];
    if (!Array.isArray(list) || list.some((r) => !(known as readonly unknown[]).includes(r))) problems.push(`labels.${key}: expected a list of ${key} rubrics`);
  }
  return problems;
}

export function validateHindsightLine(line: unknown): string[] {
  const problems = checkKeys(line, 'line', ['example_id', 'context', 'response', 'follow_up', 'labels', 'model']);
  if (!isObject(line)) return problems;
  problems.push(
    ...checkText(line.example_id, 'example_id', { nonEmpty: true }),
    ...checkChatMessages(line.context, 'context', { roles: ['system', 'user', 'assistant'], lastRole: 'user' }),
    ...checkText(line.response, 'response', { nonEmpty: true }),
    ...checkText(line.follow_up, 'follow_up', { nonEmpty: true }),
    ...checkLabels(line.labels),
  );
  if (line.model !== null && typeof line.model !== 'string') problems.push('model: expected a string or null');
  return problems;
}

export const hindsight: ExportFormat<'hindsight', HindsightLine> = {
  name: 'hindsight',
  source: 'hindsight',
  file: 'hindsight.jsonl',
  layout: 'jsonl',
  describe: 'Insitu hindsight JSONL (context / response / follow_up / labels)',
  convert(example: TrainingExample) {
    if (example.prompt[example.prompt.length - 1]?.role !== 'user') return { ok: false, reason: 'prompt does not end with a user message' };
    if (example.follow_up === null || example.follow_up.trim() === '') return { ok: false, reason: 'no follow-up message' };
    const { state, polarity, satisfaction, dissatisfaction } = example.labels;
    return {
      ok: true,
      line: {
        example_id: example.example_id,
        context: plainMessages(example.prompt),
        response: example.response.content,
        follow_up: example.follow_up,
        labels: { state, polarity, satisfaction, dissatisfaction },
        model: example.model,
      },
    };
  },
  validate: validateHindsightLine,
};
