// The summariser's prompt: WildFeedback's A.2 method in our own words. The conversation is rendered with turn
// ids (the rejected response and the user's feedback as its last two turns), the detected feedback labels
// are given with their definitions, and the model answers with the query turn and the preferences as JSON.
import type OpenAI from 'openai';
import { RUBRIC_DEFINITIONS } from '../../../src/feedback/rubrics.js';
import type { PreferenceInput } from './types.js';

const MAX_TURN_CHARS = 3000;
/** Most earlier turns shown; the first user turn is always kept (it is often the query). */
const MAX_HISTORY = 12;

const clip = (text: string) => (text.length > MAX_TURN_CHARS ? `${text.slice(0, MAX_TURN_CHARS)} [...]` : text);

export const PREFERENCE_SYSTEM_PROMPT = `You study conversations between a user and an AI assistant. In each one, the user was not satisfied with an assistant response and said so. You work out which turn holds the user's original query and what the user prefers, so that a better response can be written.`;

export function preferenceMessages(input: PreferenceInput): OpenAI.ChatCompletionMessageParam[] {
  const shown = new Set<number>();
  const firstUser = input.history.findIndex((m) => m.role === 'user');
  if (firstUser >= 0) shown.add(firstUser);
  for (let i = Math.max(0, input.history.length - MAX_HISTORY); i < input.history.length; i++) shown.add(i);
  const turns: string[] = [];
  let previous = -1;
  for (const i of [...shown].sort((a, b) => a - b)) {
    if (i > previous + 1) turns.push(`(${i - previous - 1} earlier turn(s) left out)`);
    turns.push(`[turn ${i}] ${input.history[i]!.role}: ${clip(input.history[i]!.content)}`);
    previous = i;
  }
  const n = input.history.length;
  turns.push(`[turn ${n}] assistant (the response the user was not satisfied with): ${clip(input.rejected)}`);
  turns.push(`[turn ${n + 1}] user (the feedback): ${clip(input.followUp)}`);

  const labels = [...input.feedback.dissatisfaction, ...input.feedback.satisfaction].map((l) => `- ${l}: ${RUBRIC_DEFINITIONS[l]}`);
  const signals = [
    labels.length ? labels.join('\n') : '- (no labels)',
    input.feedback.evidence ? `The user's words that carry it: "${input.feedback.evidence}"` : '',
  ].filter(Boolean).join('\n');

  const user = `## Conversation
<|begin_of_history|>
${turns.join('\n\n')}
<|end_of_history|>

## Feedback signals found in turn ${n + 1}
${signals}

## Instruction
Which turn is the user's query, and what are the user's preferences?
- The query is the user's first attempt at the request, before they gave the assistant any feedback. Give only its turn id, which must be a user turn from 0 to ${Math.max(0, n - 1)}.
- Base every preference on the user's feedback, not on your own taste, and write each one as a complete sentence (e.g. "The user prefers short answers without an introduction.").
- Leave out any preference that asks for unsafe, harmful, hateful or sexually explicit content.

Answer with JSON only:
{"query": <turn id>, "preferences": ["<preference 1>", "<preference 2>", ...]}`;
  return [
    { role: 'system', content: PREFERENCE_SYSTEM_PROMPT },
    { role: 'user', content: user },
  ];
}
