// A token count for the TPM limit when the upstream reports none (a stream without
// stream_options.include_usage, or a server that never sends usage): about 4 characters per token, over the
// prompt's text and the answer's text. Rough on purpose — a key must not spend unmetered tokens just by not
// asking for usage; the upstream's own count is used whenever it sends one.
import type { RecordedMessage, TurnChoice } from '../events/turn.js';

export const CHARS_PER_TOKEN = 4;

/** Characters of text in a message's content: a string, or the `text` of content parts; plus tool calls. */
function textLength(message: { content?: unknown; tool_calls?: { function: { name: string; arguments: string } }[] }): number {
  let n = 0;
  const content = message.content;
  if (typeof content === 'string') n += content.length;
  else if (Array.isArray(content)) for (const part of content) if (part && typeof (part as { text?: unknown }).text === 'string') n += (part as { text: string }).text.length;
  for (const call of message.tool_calls ?? []) n += call.function.name.length + call.function.arguments.length;
  return n;
}

/** Estimated total tokens of an exchange: ceil((prompt chars + answer chars) / 4). */
export function estimateTokens(messages: RecordedMessage[], choices: TurnChoice[]): number {
  let chars = 0;
  for (const m of messages) chars += textLength(m);
  for (const c of choices) chars += textLength(c.message) + (c.message.refusal?.length ?? 0);
  return Math.ceil(chars / CHARS_PER_TOKEN);
}
