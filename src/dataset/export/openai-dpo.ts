// OpenAI preference (DPO) fine-tuning JSONL, one pair per line:
//   {"input": {"messages": [...]}, "preferred_output": [{"role": "assistant", ...}], "non_preferred_output": [...]}
// input.messages is the whole prompt, system messages included, ending with the user query both outputs answer
// (OpenAI trains on the last assistant turn only). The optional input.tools / parallel_tool_calls are omitted:
// pairs carry text only. The openai package has no type for a training line, so the types below are built from
// its chat message types, narrowed to the text-only content pairs hold.
import type { ChatCompletionAssistantMessageParam, ChatCompletionSystemMessageParam, ChatCompletionUserMessageParam } from 'openai/resources/chat/completions';
import type { ChatMessage } from '../../events/chat.js';
import type { PreferencePair } from '../../events/preference.js';
import { checkChatMessages, checkKeys, checkSingleAssistant, isObject } from './check.js';
import { convertPair, type ExportFormat } from './format.js';

/** An openai chat message param with plain string content. */
export type TextMessage<M extends { role: string; content?: unknown }> = { role: M['role']; content: Extract<M['content'], string> };
export type OpenAIAssistantText = TextMessage<ChatCompletionAssistantMessageParam>;
export type OpenAIPromptMessage = TextMessage<ChatCompletionSystemMessageParam> | TextMessage<ChatCompletionUserMessageParam> | OpenAIAssistantText;

export interface OpenAIDpoLine {
  input: { messages: OpenAIPromptMessage[] };
  preferred_output: [OpenAIAssistantText];
  non_preferred_output: [OpenAIAssistantText];
}

/** A stored chat message as an openai message param (role and text only, in that key order). */
export const toOpenAIMessage = (m: ChatMessage): OpenAIPromptMessage => ({ role: m.role, content: m.content });

export function validateOpenAIDpoLine(line: unknown): string[] {
  const problems = checkKeys(line, 'line', ['input', 'preferred_output', 'non_preferred_output']);
  if (!isObject(line)) return problems;
  problems.push(...checkKeys(line.input, 'input', ['messages'], ['tools', 'parallel_tool_calls']));
  if (isObject(line.input)) problems.push(...checkChatMessages(line.input.messages, 'input.messages', { roles: ['system', 'developer', 'user', 'assistant'], lastRole: 'user' }));
  problems.push(...checkSingleAssistant(line.preferred_output, 'preferred_output'), ...checkSingleAssistant(line.non_preferred_output, 'non_preferred_output'));
  return problems;
}

export const openAIDpo: ExportFormat<'pairs', OpenAIDpoLine> = {
  name: 'openai-dpo',
  source: 'pairs',
  file: 'openai-dpo.jsonl',
  layout: 'jsonl',
  describe: 'OpenAI preference fine-tuning (DPO) JSONL',
  convert: (pair: PreferencePair) =>
    convertPair(pair, (p) => ({
      input: { messages: p.prompt.map(toOpenAIMessage) },
      preferred_output: [{ role: 'assistant', content: p.chosen.content }],
      non_preferred_output: [{ role: 'assistant', content: p.rejected.content }],
    })),
  validate: validateOpenAIDpoLine,
};
