// TRL conversational preference data (DPOTrainer, RewardTrainer, ...), one pair per JSONL line with an explicit
// prompt: {"prompt": [{"role", "content"}...], "chosen": [{"role": "assistant", ...}], "rejected": [...]}.
// The prompt keeps system messages and ends with the user query; TRL applies the model's chat template.
import type { ChatMessage } from '../../events/chat.js';
import type { PreferencePair } from '../../events/preference.js';
import { checkChatMessages, checkKeys, checkSingleAssistant, isObject } from './check.js';
import { convertPair, plainMessages, type ExportFormat } from './format.js';

export interface TrlMessage {
  role: ChatMessage['role'];
  content: string;
}

export interface TrlPreferenceLine {
  prompt: TrlMessage[];
  chosen: [{ role: 'assistant'; content: string }];
  rejected: [{ role: 'assistant'; content: string }];
}

export function validateTrlLine(line: unknown): string[] {
  const problems = checkKeys(line, 'line', ['prompt', 'chosen', 'rejected']);
  if (!isObject(line)) return problems;
  problems.push(...checkChatMessages(line.prompt, 'prompt', { roles: ['system', 'user', 'assistant'], lastRole: 'user' }));
  return [...problems, ...checkSingleAssistant(line.chosen, 'chosen'), ...checkSingleAssistant(line.rejected, 'rejected')];
}

export const trl: ExportFormat<'pairs', TrlPreferenceLine> = {
  name: 'trl',
  source: 'pairs',
  file: 'trl.jsonl',
  layout: 'jsonl',
  describe: 'TRL conversational preference JSONL (prompt / chosen / rejected)',
  convert: (pair: PreferencePair) =>
    convertPair(pair, (p) => ({
      prompt: plainMessages(p.prompt),
      chosen: [{ role: 'assistant', content: p.chosen.content }],
      rejected: [{ role: 'assistant', content: p.rejected.content }],
    })),
  validate: validateTrlLine,
};
