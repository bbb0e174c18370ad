// LLaMA-Factory preference data in sharegpt form (data/README.md, "Sharegpt Format / Preference Dataset"),
// written to llama-factory/insitu_pairs.json (a JSON array) with its entry in llama-factory/dataset_info.json, so
// that folder can be LLaMA-Factory's dataset_dir and `dataset: insitu_pairs` trains on it:
//   {"conversations": [{"from": "human", "value"}, {"from": "gpt", ...}, ..., {"from": "human", ...}],
//    "chosen": {"from": "gpt", "value"}, "rejected": {"from": "gpt", "value"}, "system": "..."}
// LLaMA-Factory skips a row whose turns do not alternate human/gpt starting with human, or (ranking) whose
// count is even, so the prompt is reshaped to fit: system messages go to the `system` column (joined by a
// blank line; always present, "" when none, so the column exists in every row), consecutive messages of one
// role are joined by a blank line, and assistant messages before the first user message (an app's greeting)
// are dropped. The prompt ends with the user query, so the turn count is odd.
import { readFile } from 'node:fs/promises';
import type { ChatMessage } from '../../events/chat.js';
import type { PreferencePair } from '../../events/preference.js';
import { ExportError } from '../errors.js';
import { checkKeys, checkText, isObject } from './check.js';
import { convertPair, type ExportFormat } from './format.js';
import { outputPath, writeOutputText } from './output.js';

export const LLAMA_FACTORY_DATASET = 'insitu_pairs';
const FOLDER = 'llama-factory';
const DATA_FILE = `${LLAMA_FACTORY_DATASET}.json`;

export interface ShareGptTurn {
  from: 'human' | 'gpt';
  value: string;
}

export interface LlamaFactoryRankingRow {
  conversations: ShareGptTurn[];
  chosen: { from: 'gpt'; value: string };
  rejected: { from: 'gpt'; value: string };
  system: string;
}

/** Our entry of dataset_info.json (keys as in LLaMA-Factory's data/README.md; tags left at their defaults). */
export const LLAMA_FACTORY_DATASET_INFO = {
  [LLAMA_FACTORY_DATASET]: {
    file_name: DATA_FILE,
    formatting: 'sharegpt',
    ranking: true,
    columns: { messages: 'conversations', chosen: 'chosen', rejected: 'rejected', system: 'system' },
  },
} as const;

/** A prompt in sharegpt turns (see the reshaping rules above). */
export function toShareGpt(prompt: readonly ChatMessage[]): { system: string; conversations: ShareGptTurn[] } {
  const system: string[] = [];
  const conversations: ShareGptTurn[] = [];
  for (const message of prompt) {
    if (message.role === 'system') {
      if (message.content.trim() !== '') system.push(message.content);
      continue;
    }
    const from = message.role === 'user' ? 'human' : 'gpt';
    const last = conversations[conversations.length - 1];
    if (!last && from === 'gpt') continue;
    if (last?.from === from) last.value = `${last.value}\n\n${message.content}`;
    else conversations.push({ from, value: message.content });
  }
  return { system: system.join('\n\n'), conversations };
}

function checkTurn(value: unknown, where: string, from: ShareGptTurn['from'], nonEmpty: boolean): string[] {
  const problems = checkKeys(value, where, ['from', 'value']);
  if (!isObject(value)) return problems;
  if (value.from !== from) problems.push(`${where}.from: expected ${from}`);
  return [...problems, ...checkText(value.value, `${where}.value`, { nonEmpty })];
}

export function validateLlamaFactoryLine(line: unknown): string[] {
  const problems = checkKeys(line, 'row', ['conversations', 'chosen', 'rejected', 'system']);
  if (!isObject(line)) return problems;
  const turns = line.conversations;
  if (!Array.isArray(turns) || turns.length === 0) problems.push('conversations: expected a non-empty array');
  else {
    turns.forEach((turn: unknown, i) => problems.push(...checkTurn(turn, `conversations[${i}]`, i % 2 === 0 ? 'human' : 'gpt', false)));
    if (turns.length % 2 === 0) problems.push('conversations: must end with a human turn (odd count)');
  }
  problems.push(...checkTurn(line.chosen, 'chosen', 'gpt', true), ...checkTurn(line.rejected, 'rejected', 'gpt', true));
  return [...problems, ...checkText(line.system, 'system')];
}

/** Adds our entry to the folder's dataset_info.json, keeping any other entries already there. */
async function writeDatasetInfo(outDir: string): Promise<string[]> {
  const file = `${FOLDER}/dataset_info.json`;
  let existing: unknown = {};
  try {
    existing = JSON.parse(await readFile(outputPath(outDir, file), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ExportError(`${file} exists but is not JSON; move it away first`, { cause: error });
  }
  if (!isObject(existing)) throw new ExportError(`${file} exists but is not a JSON object; move it away first`);
  const info = { ...existing, ...LLAMA_FACTORY_DATASET_INFO };
  return [await writeOutputText(outDir, file, JSON.stringify(info, null, 2) + '\n')];
}

export const llamaFactory: ExportFormat<'pairs', LlamaFactoryRankingRow> = {
  name: 'llama-factory',
  source: 'pairs',
  file: `${FOLDER}/${DATA_FILE}`,
  layout: 'json-array',
  describe: `LLaMA-Factory sharegpt preference data (dataset "${LLAMA_FACTORY_DATASET}", ranking: true)`,
  convert: (pair: PreferencePair) =>
    convertPair(pair, (p) => {
      const { system, conversations } = toShareGpt(p.prompt); // the prompt ends with a user message: an odd count
      return { conversations, chosen: { from: 'gpt', value: p.chosen.content }, rejected: { from: 'gpt', value: p.rejected.content }, system };
    }),
  validate: validateLlamaFactoryLine,
  finish: writeDatasetInfo,
};
