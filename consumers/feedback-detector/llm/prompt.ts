// The judge's prompt: WildFeedback's A.1 method (label definitions, the conversation, one JSON verdict) in
// our own words, built from the single home of the labels (src/feedback/rubrics.ts).
import type OpenAI from 'openai';
import { CONVERSATION_STATES, DOMAINS, DSAT_RUBRICS, INTENTS, RUBRIC_DEFINITIONS, SAT_RUBRICS } from '../../../src/feedback/rubrics.js';
import type { DetectionInput } from '../detector.js';

const MAX_TURN_CHARS = 4000;
const MAX_HISTORY = 8;

const clip = (text: string | null) => {
  const t = text ?? '';
  return t.length > MAX_TURN_CHARS ? `${t.slice(0, MAX_TURN_CHARS)} [...]` : t;
};

const definitions = (labels: readonly string[]) => labels.map((l) => `- ${l}: ${RUBRIC_DEFINITIONS[l as keyof typeof RUBRIC_DEFINITIONS] ?? ''}`).join('\n');

export const JUDGE_SYSTEM_PROMPT = `You annotate conversations between a user and an AI assistant. You read the assistant's last response and the user's reply to it, and you decide what the reply says about that response.

Labels:
# state of the user's reply (exactly one)
${definitions(CONVERSATION_STATES)}
# satisfaction signals in the reply (zero or more)
${definitions(SAT_RUBRICS)}
# dissatisfaction signals in the reply (zero or more)
${definitions(DSAT_RUBRICS)}
# intent of the user (exactly one)
${definitions(INTENTS)}
# domain (exactly one of): ${DOMAINS.join(', ')}

Rules:
- Judge only the user's reply, with respect to the assistant response right before it; earlier turns are context.
- Politeness is not satisfaction by itself: "thanks, but that's wrong" carries factual_error, not gratitude alone.
- A new, unrelated request with no comment on the answer has no satisfaction or dissatisfaction labels.
- "evidence" quotes the exact words of the reply that justify the labels, or null when there are none.

Answer with one JSON object and nothing else:
{"state": "...", "satisfaction": ["..."], "dissatisfaction": ["..."], "intent": "...", "domain": "...", "summary": "one sentence", "evidence": "..." | null, "confidence": 0.0-1.0}`;

export function judgeMessages(input: DetectionInput): OpenAI.ChatCompletionMessageParam[] {
  const history = input.history.slice(-MAX_HISTORY).map((m) => `[${m.role}] ${clip(m.content)}`).join('\n');
  const user = `## Earlier conversation\n${history || '(none)'}\n\n## Assistant response being judged\n${clip(input.response)}\n\n## User reply\n${clip(input.followUp)}`;
  return [
    { role: 'system', content: JUDGE_SYSTEM_PROMPT },
    { role: 'user', content: user },
  ];
}
