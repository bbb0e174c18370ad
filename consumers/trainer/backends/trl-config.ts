// What the command backend writes for TRL: the stage's data as conversational JSONL and a JSON config whose
// keys are SFTConfig / DPOConfig (TrainingArguments) fields, plus model_name_or_path (ModelConfig) and
// dataset_path (the data file, for `load_dataset("json", data_files=...)` in the user's script).
//  - SFT: {"messages": [...]} from sft.jsonl (developer messages become system ones; OpenAI's per-message
//    weights are dropped, so whether earlier assistant turns are learned is the script's choice);
//  - DPO: {"prompt": [...], "chosen": [...], "rejected": [...]}, the trl export's lines of the train pairs.
// Batch size and learning rates as in llama-factory-config.ts.
import { trainingArguments } from './training-arguments.js';
import type { PreferencePair } from '../../../src/events/preference.js';
import type { OpenAISftLine } from '../../../src/dataset/export/sft.js';
import { trl, type TrlMessage, type TrlPreferenceLine } from '../../../src/dataset/export/trl.js';
import { join } from 'node:path';
import type { StageRequest } from '../backend.js';
import type { RunFormat, RunSettings } from './command.js';
import { fromOpenAiRole } from './llama-factory-config.js';

export interface TrlSftLine {
  messages: TrlMessage[];
}

export function trlSftRow(line: OpenAISftLine): TrlSftLine | null {
  const messages = line.messages.map((m): TrlMessage => ({ role: fromOpenAiRole(m.role), content: m.content }));
  const last = messages[messages.length - 1];
  if (last?.role !== 'assistant' || last.content.trim() === '' || !messages.some((m) => m.role === 'user')) return null;
  return { messages };
}

export function trlPairRow(pair: PreferencePair): TrlPreferenceLine | null {
  const converted = trl.convert(pair);
  return converted.ok && trl.validate(converted.line).length === 0 ? converted.line : null;
}

/** The TRL config of a stage. */
export function trlConfig(request: StageRequest, dataPath: string, outputDir: string, settings: Pick<RunSettings, 'finetuningType'>): Record<string, string | number | boolean> {
  // LoRA as TRL's ModelConfig names it (use_peft, lora_r, lora_target_modules).
  const lora: Record<string, string | number | boolean> = settings.finetuningType === 'lora' ? { use_peft: true, lora_r: 8, lora_alpha: 16, lora_target_modules: 'all-linear' } : {};
  const common = { model_name_or_path: request.model, dataset_path: dataPath, output_dir: outputDir, ...lora, ...trainingArguments(request) };
  if (request.stage === 'sft') return common;
  return { ...common, beta: request.hyperparameters.dpo.beta, loss_type: 'sigmoid' };
}

export const trlRunFormat: RunFormat = {
  name: 'trl',
  layout: 'jsonl',
  dataFile: (stage) => `trl-${stage}.jsonl`,
  sftRow: trlSftRow,
  pairRow: trlPairRow,
  files(request, runDir, outputDir, settings) {
    const dataPath = join(runDir, trlRunFormat.dataFile(request.stage));
    return { config: { file: `${request.stage}.json`, text: JSON.stringify(trlConfig(request, dataPath, outputDir, settings), null, 2) + '\n' }, extra: [] };
  },
};
