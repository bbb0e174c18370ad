// What the command backend writes for LLaMA-Factory (`llamafactory-cli train <stage>.yaml`): the stage's data
// in the run folder, its entry in dataset_info.json (so the run folder is the dataset_dir) and a train config.
//  - SFT: sharegpt rows {"conversations": [human, gpt, ..., gpt], "system"} from sft.jsonl; `mask_history`
//    trains on the final response only, as OpenAI's weight 0 on earlier assistant turns does.
//  - DPO: the ranking rows of the llama-factory export (src/dataset/export/llama-factory.ts) from the train pairs.
// Batch size: per_device_train_batch_size 1 with gradient_accumulation_steps = the batch size, which is the
// configured batch on one GPU; a multi-GPU command divides gradient_accumulation_steps by the GPU count.
// Learning rates are absolute, as the hyper-parameters say (Appendix C); DPO uses the SFT warm-up and scheduler
// ("all other hyperparameters remained the same as in the SFT training").
import { trainingArguments } from './training-arguments.js';
import type { ChatMessage } from '../../../src/events/chat.js';
import type { PreferencePair } from '../../../src/events/preference.js';
import type { OpenAISftLine } from '../../../src/dataset/export/sft.js';
import { LLAMA_FACTORY_DATASET, LLAMA_FACTORY_DATASET_INFO, llamaFactory, toShareGpt, type LlamaFactoryRankingRow, type ShareGptTurn } from '../../../src/dataset/export/llama-factory.js';
import type { StageRequest } from '../backend.js';
import type { RunFormat, RunSettings } from './command.js';
import { TrainingBackendError } from '../../../src/errors.js';

export const LLAMA_FACTORY_SFT_DATASET = 'insitu_sft';

export interface LlamaFactorySftRow {
  conversations: ShareGptTurn[];
  system: string;
}

type Scalar = string | number | boolean;

/**
 * A number as YAML 1.1 reads it: PyYAML (which LLaMA-Factory uses) takes `5e-6` for a string and only
 * `5.0e-06`-like forms (a dot, a signed exponent) for floats.
 */
export function yamlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const text = String(value);
  const exponent = text.indexOf('e');
  if (exponent === -1 || text.includes('.')) return text;
  return `${text.slice(0, exponent)}.0${text.slice(exponent)}`; // JS always signs the exponent: 5e-7 -> 5.0e-7
}

/** A flat map as YAML: keys as they are, strings double-quoted (JSON escapes are YAML escapes). */
export function toYaml(map: Record<string, Scalar>): string {
  const lines = Object.entries(map).map(([key, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new RangeError(`not a plain YAML key: ${key}`);
    const text =
      typeof value === 'number'
        ? yamlNumber(value)
        : typeof value === 'boolean'
          ? String(value)
          : JSON.stringify(value).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`); // YAML line breaks
    return `${key}: ${text}`;
  });
  return lines.join('\n') + '\n';
}

/** The LLaMA-Factory train config of a stage (keys as in its examples/train_full/*.yaml). */
export function llamaFactoryConfig(request: StageRequest, runDir: string, outputDir: string, settings: RunSettings): Record<string, Scalar> {
  if (!settings.template) throw new TrainingBackendError('the llama-factory format needs the base model\'s chat template: set INSITU_LLAMAFACTORY_TEMPLATE (llama3, qwen, mistral, ...)');
  const common = {
    model_name_or_path: request.model,
    stage: request.stage,
    do_train: true,
    finetuning_type: settings.finetuningType,
    // LLaMA-Factory's LoRA defaults (examples/train_lora): rank 8 on every linear layer.
    ...(settings.finetuningType === 'lora' ? { lora_rank: 8, lora_target: 'all' } : {}),
    dataset: request.stage === 'sft' ? LLAMA_FACTORY_SFT_DATASET : LLAMA_FACTORY_DATASET,
    dataset_dir: runDir,
    template: settings.template,
    output_dir: outputDir,
    overwrite_output_dir: true,
    ...trainingArguments(request),
  };
  if (request.stage === 'sft') return { ...common, mask_history: true };
  return { ...common, pref_beta: request.hyperparameters.dpo.beta, pref_loss: 'sigmoid' };
}

/** sft.jsonl may hold OpenAI's developer role (its validator allows it): it is a system message elsewhere. */
export const fromOpenAiRole = (role: string): ChatMessage['role'] => (role === 'developer' ? 'system' : (role as ChatMessage['role']));

/** An OpenAI SFT line as a sharegpt row; null when its turns cannot alternate human/gpt ending with gpt. */
export function llamaFactorySftRow(line: OpenAISftLine): LlamaFactorySftRow | null {
  const messages = line.messages.map((m): ChatMessage => ({ role: fromOpenAiRole(m.role), content: m.content }));
  const response = messages[messages.length - 1];
  if (response?.role !== 'assistant' || response.content.trim() === '') return null;
  const { system, conversations } = toShareGpt(messages.slice(0, -1));
  if (conversations[conversations.length - 1]?.from !== 'human') return null;
  return { conversations: [...conversations, { from: 'gpt', value: response.content }], system };
}

/** A train pair as a ranking row, as the llama-factory export makes it (null when unusable or invalid). */
export function llamaFactoryPairRow(pair: PreferencePair): LlamaFactoryRankingRow | null {
  const converted = llamaFactory.convert(pair);
  return converted.ok && llamaFactory.validate(converted.line).length === 0 ? converted.line : null;
}

export const SFT_DATASET_INFO = {
  [LLAMA_FACTORY_SFT_DATASET]: { file_name: `${LLAMA_FACTORY_SFT_DATASET}.json`, formatting: 'sharegpt', columns: { messages: 'conversations', system: 'system' } },
} as const;

export const llamaFactoryRunFormat: RunFormat = {
  name: 'llama-factory',
  layout: 'json-array',
  dataFile: (stage) => (stage === 'sft' ? SFT_DATASET_INFO[LLAMA_FACTORY_SFT_DATASET].file_name : LLAMA_FACTORY_DATASET_INFO[LLAMA_FACTORY_DATASET].file_name),
  sftRow: llamaFactorySftRow,
  pairRow: llamaFactoryPairRow,
  files(request, runDir, outputDir, settings) {
    const info = request.stage === 'sft' ? SFT_DATASET_INFO : LLAMA_FACTORY_DATASET_INFO;
    return {
      config: { file: `${request.stage}.yaml`, text: toYaml(llamaFactoryConfig(request, runDir, outputDir, settings)) },
      extra: [{ file: 'dataset_info.json', text: JSON.stringify(info, null, 2) + '\n' }],
    };
  },
};
