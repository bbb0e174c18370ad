// The evaluation's pairwise judge from configuration: the LLM judge (INSITU_JUDGE_*) when configured, else the
// local checklist judge (a rule-based stand-in; the report names which judge spoke).
import type { Config } from '../../../src/config.js';
import { createLlmCaller } from '../../../src/llm/index.js';
import { createLlmPairwiseJudge, createLocalPairwiseJudge, type PairwiseJudge } from './pairwise.js';

export function createEvaluationJudge(config: Pick<Config, 'judge'>): PairwiseJudge {
  const judge = config.judge;
  if (!judge) return createLocalPairwiseJudge();
  return createLlmPairwiseJudge(
    createLlmCaller({ baseURL: judge.url, model: judge.model, apiKey: judge.apiKey, timeoutMs: judge.timeoutMs, retries: judge.retries, concurrency: judge.concurrency }),
  );
}
