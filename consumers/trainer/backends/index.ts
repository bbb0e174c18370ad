// The trainer's backend from the configuration (INSITU_TRAINER and its settings).
import type { Config } from '../../../src/config.js';
import { silentLogger, type Logger } from '../../../src/log.js';
import type { TrainingBackend } from '../backend.js';
import { createCommandTrainingBackend } from './command.js';
import { createOpenAiTrainingBackend } from './openai.js';

export { createCommandTrainingBackend, type CommandTrainingBackendOptions } from './command.js';
export { createOpenAiTrainingBackend, type OpenAiTrainingBackendOptions } from './openai.js';

export function createTrainingBackend(backend: NonNullable<Config['training']['backend']>, logger: Logger = silentLogger): TrainingBackend {
  switch (backend.kind) {
    case 'openai':
      return createOpenAiTrainingBackend({ url: backend.url, apiKey: backend.apiKey, logger: logger.child('openai') });
    case 'command':
      return createCommandTrainingBackend({
        command: backend.command, format: backend.format, logger: logger.child('command'),
        ...(backend.template !== undefined ? { template: backend.template } : {}), ...(backend.finetuningType ? { finetuningType: backend.finetuningType } : {}),
      });
  }
}
