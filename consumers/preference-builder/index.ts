// The preference builder step: insitu.feedback -> insitu.preferences (pairs) and insitu.examples (SFT and
// hindsight examples). Its collaborators come from configuration here; runner.ts does the bus and state work.
import type { Runtime } from '../../src/runtime.js';
import type { ConsumerDefinition } from '../index.js';
import { createEvaluationJudge } from '../evaluator/judge/choose.js';
import { createGenerators } from './chat-model.js';
import { createFilterPipeline } from './filters/index.js';
import { createPreferenceSummarizer } from './preferences/index.js';
import { startPreferenceBuilder, type PreferenceBuilderDeps } from './runner.js';

export function preferenceBuilderDeps(runtime: Runtime): PreferenceBuilderDeps {
  const { config, state, logger } = runtime;
  const dedupTtlMs = config.conversationTtlSeconds * 1000;
  return {
    summarizer: createPreferenceSummarizer({ judge: config.judge, logger: logger.child('preferences') }),
    pairFilters: createFilterPipeline({ state, config: config.pairs, dedupTtlMs }),
    exampleFilters: {
      sft: createFilterPipeline({ state, config: config.pairs, dedupTtlMs, dedupKeyPrefix: 'insitu:pb:dup-sft' }),
      hindsight: createFilterPipeline({ state, config: config.pairs, dedupTtlMs, dedupKeyPrefix: 'insitu:pb:dup-hindsight' }),
    },
    generators: { ...createGenerators(config), ...(config.pairs.mode === 'on-policy' ? { judge: createEvaluationJudge(config) } : {}) },
  };
}

export const preferenceBuilder: ConsumerDefinition = {
  name: 'preference-builder',
  description: 'builds preference pairs, SFT and hindsight examples from feedback (insitu.feedback -> insitu.preferences, insitu.examples)',
  start: (runtime) => startPreferenceBuilder(runtime, preferenceBuilderDeps(runtime)),
};
