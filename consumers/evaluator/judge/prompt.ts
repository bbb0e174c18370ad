// The pairwise judge's prompt: the WB-Reward method of WildBench as WildFeedback uses it (prompt A.3) in our
// own words: the conversation so far, the current query, responses A and B, and, in the with-checklist
// variant, the user's own preferences as the checklist that guides the comparison. One JSON verdict.
import type OpenAI from 'openai';
import type { ChatMessage } from '../../../src/events/chat.js';

const MAX_TEXT_CHARS = 6000;
const MAX_HISTORY = 10;

export const CHOICES = ['A++', 'A+', 'A=B', 'B+', 'B++'] as const;
export type Choice = (typeof CHOICES)[number];

export interface PairwiseInput {
  history: ChatMessage[];
  query: string;
  responseA: string;
  responseB: string;
  /** The user's preferences; null for the without-checklist variant. */
  checklist: string[] | null;
}

const clip = (text: string) => (text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS)} [...]` : text);

export const PAIRWISE_SYSTEM_PROMPT = `You are a careful evaluator of AI assistants. Two assistants, A and B, each answered the same user query in the same conversation. Read the conversation so far and the current query to understand what the user needs, then decide which response serves this user better.

Choices for the final verdict:
- "A++": A is clearly better than B.
- "A+": A is a little better than B.
- "A=B": both are equally good or equally bad (use sparingly).
- "B+": B is a little better than A.
- "B++": B is clearly better than A.

Judge substance, not length or position: a longer answer or the one shown first is not better for that reason.

Answer with one JSON object and nothing else:
{"analysis of A": "...", "analysis of B": "...", "reason of A=B": "...", "reason of A>B": "...", "reason of B>A": "...", "choice": "A++" | "A+" | "A=B" | "B+" | "B++"}`;

export function pairwiseMessages(input: PairwiseInput): OpenAI.ChatCompletionMessageParam[] {
  const history = input.history.slice(-MAX_HISTORY).map((m) => `[${m.role}] ${clip(m.content)}`).join('\n');
  const parts = [
    `## Conversation so far\n<history>\n${history || '(none)'}\n</history>`,
    `## Current user query\n<query>\n${clip(input.query)}\n</query>`,
    `## Response A\n<response_A>\n${clip(input.responseA)}\n</response_A>`,
    `## Response B\n<response_B>\n${clip(input.responseB)}\n</response_B>`,
  ];
  if (input.checklist) {
    const items = input.checklist.length ? input.checklist.map((p) => `- ${p}`).join('\n') : '- (the user stated no preferences)';
    parts.push(
      `## Checklist: what this user told us they prefer\n<checklist>\n${items}\n</checklist>\nLet the checklist guide your comparison: a response that follows the user's stated preferences serves this user better. Do not limit your judgement to the checklist.`,
    );
  }
  parts.push('Write your analysis of each response, the reasons in each direction, then your choice, as the JSON object described.');
  return [
    { role: 'system', content: PAIRWISE_SYSTEM_PROMPT },
    { role: 'user', content: parts.join('\n\n') },
  ];
}
