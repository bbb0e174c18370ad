// OpenAI chat fine-tuning (SFT) JSONL from SFT examples (responses the user was satisfied with), one example
// per line: {"messages": [...prompt, {"role": "assistant", "content": <response>}]}.
// OpenAI trains on every assistant message unless it carries "weight": 0, and the earlier assistant turns of a
// prompt were not what the user approved (one may be the very answer they rejected), so they get weight 0 and
// only the final response is learned.
import type { TrainingExample } from '../../events/example.js';
import { checkChatMessages, checkKeys, isObject } from './check.js';
import type { ExportFormat } from './format.js';
import { toOpenAIMessage, type OpenAIAssistantText, type OpenAIPromptMessage } from './openai-dpo.js';

export type OpenAISftMessage = Exclude<OpenAIPromptMessage, { role: 'assistant' }> | (OpenAIAssistantText & { weight?: 0 | 1 });

export interface OpenAISftLine {
  messages: OpenAISftMessage[];
}

export function validateSftLine(line: unknown): string[] {
  const problems = checkKeys(line, 'line', ['messages']);
  if (!isObject(line)) return problems;
  problems.push(...checkChatMessages(line.messages, 'messages', { roles: ['system', 'developer', 'user', 'assistant'], lastRole: 'assistant', extra: { assistant: ['weight'] } }));
  if (!Array.isArray(line.messages)) return problems;
  line.messages.forEach((m: unknown, i) => {
    if (isObject(m) && 'weight' in m && m.weight !== 0 && m.weight !== 1) problems.push(`messages[${i}].weight: expected 0 or 1`);
  });
  const last = line.messages[line.messages.length - 1] as Record<string, unknown> | undefined;
  if (isObject(last) && last.role === 'assistant' && (last.weight === 0 || typeof last.content !== 'string' || last.content.trim() === '')) {
    problems.push('messages: the final assistant response must be non-empty and trained (no weight 0)');
  }
  return problems;
}

export const sft: ExportFormat<'sft', OpenAISftLine> = {
  name: 'sft',
  source: 'sft',
  file: 'sft.jsonl',
  layout: 'jsonl',
  describe: 'OpenAI chat fine-tuning (SFT) JSONL',
  convert(example: TrainingExample) {
    if (example.prompt[example.prompt.length - 1]?.role !== 'user') return { ok: false, reason: 'prompt does not end with a user message' };
    const prompt = example.prompt.map((m): OpenAISftMessage => (m.role === 'assistant' ? { role: 'assistant', content: m.content, weight: 0 } : toOpenAIMessage(m)));
    return { ok: true, line: { messages: [...prompt, { role: 'assistant', content: example.response.content }] } };
  },
  validate: validateSftLine,
};
