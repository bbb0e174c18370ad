// The plain chat message that datasets and preference pairs carry: role and text content only (tool calls and
// multimodal parts are flattened to text or dropped by the builder, so every export format can hold it).
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export const CHAT_MESSAGE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['role', 'content'],
  properties: { role: { enum: ['system', 'user', 'assistant'] }, content: { type: 'string' } },
} as const;

export const ASSISTANT_MESSAGE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['role', 'content'],
  properties: { role: { const: 'assistant' }, content: { type: 'string', minLength: 1 } },
} as const;
