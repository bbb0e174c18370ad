// The models that write chosen (and on-policy rejected) responses, as ChatModels over the shared LLM caller:
// the expert (INSITU_EXPERT_*) and the deployed model behind the proxy (INSITU_UPSTREAM_*).
import type { Config } from '../../src/config.js';
import { createLlmCaller, UnreadableAnswerError } from '../../src/llm/index.js';
import type { ChatModel, Generators } from './generate.js';
import { GenerationError, ModelUnavailableError, modelUnreachable } from './generate.js';

const GENERATION_TIMEOUT_MS = 120_000;

function chatModel(params: { baseURL: string; model: string | null; apiKey: string | undefined; retries: number; concurrency: number }): ChatModel {
  const caller = createLlmCaller({ baseURL: params.baseURL, model: params.model ?? 'default', apiKey: params.apiKey, timeoutMs: GENERATION_TIMEOUT_MS, retries: params.retries, concurrency: params.concurrency });
  return {
    defaultModel: params.model,
    async complete(messages, model) {
      try {
        const content = await caller.complete({ messages, model, temperature: 0.7 }, (answer) => {
          if (answer.trim() === '') throw new UnreadableAnswerError('the model answered with empty content');
          return { value: answer };
        });
        return { content, model };
      } catch (error) {
        const Failure = modelUnreachable(error) ? ModelUnavailableError : GenerationError;
        throw new Failure(`${model} could not generate a response: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    },
  };
}

export function createGenerators(config: Config): Generators {
  const { expert } = config.pairs;
  return {
    ...(expert ? { expert: chatModel({ baseURL: expert.url, model: expert.model, apiKey: expert.apiKey, retries: 2, concurrency: 4 }) } : {}),
    ...(config.pairs.mode === 'on-policy' ? { policy: chatModel({ baseURL: config.upstream.url, model: null, apiKey: config.upstream.apiKey, retries: 2, concurrency: 4 }) } : {}),
  };
}
